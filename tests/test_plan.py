"""The plan: order, IDs, DIP states, cables, firmware, BOM, and its JSON contract."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.helpers import EXAMPLE, ROOT, CliResult

FIRMWARE = [["Z02T12"], ["Z02T12"], ["Z01T16"], ["Z01T16"], ["V15P15"], ["V3.37", "V2.16"]]


def test_plan_json_of_manufacturer_example(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("plan", "--format", "json", str(EXAMPLE))
    assert result.exit_code == 0, result.err
    plan = json.loads(result.out)
    assert plan["bank"] == {"batteries": 6, "kwh": 30.72, "master": "LL-S"}
    batteries = plan["batteries"]
    assert [b["id"] for b in batteries] == [1, 2, 3, 4, 5, 6]
    assert [b["position"] for b in batteries] == [1, 2, 3, 4, 5, 6]
    assert [b["model"] for b in batteries] == [
        "LL-S",
        "LL-V2 (6 DIP)",
        "LL-V2 (4 DIP)",
        "LL-V2 (4 DIP)",
        "LL-V1",
        "LifePower4",
    ]
    assert [b["dip"] for b in batteries] == [
        ["OFF", "ON", "ON", "ON", "ON", "ON"],
        ["ON", "OFF", "ON", "ON", "ON", "ON"],
        ["ON", "ON", "OFF", "OFF"],
        ["ON", "OFF", "ON", "ON"],
        ["ON", "OFF", "ON", "OFF"],
        ["OFF", "ON", "ON", "OFF"],
    ]
    assert [b["firmware"]["required"] for b in batteries] == FIRMWARE
    assert batteries[0]["serial"] == "LLS2409-1187"
    assert batteries[4]["firmware"]["installed"] == "V15P15"
    assert batteries[2]["firmware"]["installed"] is None
    # The words the sheet prints, carried so that no client re-derives them (additive keys).
    assert [b["switches"] for b in batteries] == [
        "1 OFF · 2 ON · 3 ON · 4 ON · 5 ON · 6 ON",
        "1 ON · 2 OFF · 3 ON · 4 ON · 5 ON · 6 ON",
        "1 ON · 2 ON · 3 OFF · 4 OFF",
        "1 ON · 2 OFF · 3 ON · 4 ON",
        "1 ON · 2 OFF · 3 ON · 4 OFF",
        "1 OFF · 2 ON · 3 ON · 4 OFF",
    ]
    full, only = [1, 2, 3, 4, 5, 6, 7, 8], [7, 8]
    assert plan["cables"] == [
        {"between": [1, 2], "pins": full, "kind": "standard", "label": "standard Cat5e patch"},
        {"between": [2, 3], "pins": full, "kind": "standard", "label": "standard Cat5e patch"},
        {"between": [3, 4], "pins": full, "kind": "standard", "label": "standard Cat5e patch"},
        {"between": [4, 5], "pins": only, "kind": "pins-7-8-only", "label": "PINS 7+8 ONLY"},
        {"between": [5, 6], "pins": only, "kind": "pins-7-8-only", "label": "PINS 7+8 ONLY"},
    ]


def test_plan_json_says_no_address_in_words() -> None:
    """A battery beyond its model's IDs has no switch setting: the words say so."""
    from generator.bank.words import dip_value
    from tests.helpers import analysis_of

    plan = analysis_of(ROOT / "tests" / "wrong_banks" / "too_large.yaml").plan
    batteries = json.loads(json.dumps(plan.as_json_dict()))["batteries"]
    beyond = [b for b in batteries if b["dip"] is None]
    assert beyond and all(b["switches"] == "no address" for b in beyond)
    assert str(dip_value(plan.batteries[-1])).startswith("NO ADDRESS: ID 16")


def test_plan_text_shows_every_battery(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("plan", str(EXAMPLE))
    assert result.exit_code == 0
    assert "6 batteries, 30.72 kWh, master LL-S" in result.out
    assert "1 ON · 2 OFF · 3 ON · 4 OFF" in result.out  # LL-V1, ID 5
    assert "   4-5   PINS 7+8 ONLY\n" in result.out
    assert "2 x Neighbour cable, pins 7 and 8 only" in result.out


def test_inventory_is_arranged_newest_first(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli(
        "plan", "--format", "json", "--inventory", "LifePower4, LL-V1, 2x LL-V2 (4 DIP), LLS"
    )
    assert result.exit_code == 0, result.err
    plan = json.loads(result.out)
    assert [b["model"] for b in plan["batteries"]] == [
        "LL-S",
        "LL-V2 (4 DIP)",
        "LL-V2 (4 DIP)",
        "LL-V1",
        "LifePower4",
    ]
    assert [c["kind"] for c in plan["cables"]] == [
        "standard",
        "standard",
        "pins-7-8-only",
        "pins-7-8-only",
    ]
    assert plan["bank"]["kwh"] == 25.6


def test_inventory_unknown_model(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("plan", "--inventory", "LL-S, 3x LL-V3")
    assert result.exit_code == 1
    assert result.err.strip().splitlines()[0] == (
        "<inventory>:1:7: error E101: unknown model 'LL-V3' at position 2; "
        "closest: LL-V1, LL-V2 (6 DIP), LL-V2 (4 DIP)"
    )


def test_inventory_too_large(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("plan", "--inventory", "LL-S, 16x LL-V1")
    assert result.exit_code == 1
    assert "E105" in result.err and "allows IDs only up to 16" in result.err


def test_plan_refuses_spec_with_errors(
    run_cli: Callable[..., CliResult], write_spec: Callable[[str], object]
) -> None:
    path = write_spec("batteries:\n  - model: LL-V1\n  - model: LL-S\n")
    result = run_cli("plan", str(path))
    assert result.exit_code == 1
    assert "E102" in result.err and result.out == ""


def test_all_new_generation_bank_uses_standard_cables(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli(
        "plan", "--format", "json", str(ROOT / "bank_specs" / "small-new-generation.yaml")
    )
    plan = json.loads(result.out)
    assert {c["kind"] for c in plan["cables"]} == {"standard"}


def test_bank_without_new_generation_uses_standard_cables(
    run_cli: Callable[..., CliResult],
) -> None:
    result = run_cli("plan", "--format", "json", "--inventory", "2x LL-V1, LifePower4")
    assert {c["kind"] for c in json.loads(result.out)["cables"]} == {"standard"}
