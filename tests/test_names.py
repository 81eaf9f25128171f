"""Battery names: look-alikes the guide does not cover refused by name (E111), invoice-style
names resolved where they name one model, ambiguous ones listed with how to tell them apart."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.bank.catalog import DEFAULT_CATALOG, Catalog, load_catalog
from generator.bank.names import identify
from generator.errors import CatalogError
from tests.helpers import CliResult, findings_for

GUIDE = "LL-S, LL-V2 (6 DIP), LL-V2 (4 DIP), LL-V1, LifePower4"
REFUSED_HINT = (
    "take it out of this bank and follow its own manual; eg4sheet plans only the interop "
    f"guide's models ({GUIDE})"
)
LP4_V2_REASON = (
    "it has 6 DIP switches and speaks the LL-V2 protocol (public reports), so the 4-switch "
    "table of the guide's LifePower4 would set it wrong"
)


def one(text: str, code: str) -> tuple[str, str | None, int, int]:
    found = [f for f in findings_for(text) if f.code == code]
    assert len(found) == 1, [f.as_text() for f in findings_for(text)]
    return found[0].message, found[0].hint, found[0].location.line, found[0].location.column


# --- 1. batteries the guide does not cover ------------------------------------------------


def test_lifepower4_v2_is_refused_by_name_with_its_reason_not_offered_the_lifepower4() -> None:
    text = "batteries:\n  - model: LL-S\n  - model: LifePower4 V2\n"
    message, hint, line, column = one(text, "E111")
    assert message == (
        f"LifePower4 V2 at position 2 is not covered by the interop guide: {LP4_V2_REASON}"
    )
    assert hint == REFUSED_HINT
    assert (line, column) == (3, 12)
    assert "E101" not in [f.code for f in findings_for(text)]
    assert "closest" not in message


@pytest.mark.parametrize(
    ("typed", "name", "why"),
    [
        ("SR-48-100-LP4-IN-02", "LifePower4 V2", "it has 6 DIP switches"),
        ("EG4 LifePower4 V2 48V 100Ah", "LifePower4 V2", "it has 6 DIP switches"),
        ("lp4 v2", "LifePower4 V2", "it has 6 DIP switches"),
        ("LifePower4 V2 auto-ID", "LifePower4 V2 with auto-ID", "it has no DIP switches at all"),
        ("EG4 Indoor Wall Mount 280Ah", "EG4 280Ah Indoor Wall Mount", "it is a wall-mount"),
        ("eg4 wall mount", "EG4 280Ah Indoor Wall Mount", "it is a wall-mount"),
    ],
)
def test_look_alikes_are_refused_under_other_spellings(typed: str, name: str, why: str) -> None:
    message, hint, _line, _column = one(f"batteries:\n  - model: {typed}\n", "E111")
    assert message.startswith(
        f"'{typed}' at position 1 is the {name}, which the interop guide does not cover: {why}"
    )
    assert hint == REFUSED_HINT


def test_the_auto_id_battery_is_refused_itself_never_as_the_lifepower4_v2() -> None:
    message, _hint, _line, _column = one(
        "batteries:\n  - model: LifePower4 V2 with auto-ID\n", "E111"
    )
    assert message == (
        "LifePower4 V2 with auto-ID at position 1 is not covered by the interop guide: it has "
        "no DIP switches at all (BMS auto-ID), so no DIP table of the guide applies to it"
    )


def test_a_name_nearest_a_look_alike_is_never_offered_the_guide_model_it_looks_like() -> None:
    message, hint, _line, _column = one("batteries:\n  - model: LifePower4 V3\n", "E101")
    assert message == (
        "unknown model 'LifePower4 V3' at position 1; closest: LifePower4 V2, LifePower4 V2 "
        "with auto-ID, which the interop guide does not cover"
    )
    assert hint == (f"read the model on the battery's label; the interop guide covers only {GUIDE}")


def test_a_refused_battery_blocks_fix_and_inventory(
    run_cli: Callable[..., CliResult], write_spec: Callable[[str], Path]
) -> None:
    spec = write_spec("batteries:\n  - model: LifePower4\n  - model: LifePower4 V2\n")
    fixed = run_cli("plan", "--fix", str(spec))
    assert fixed.exit_code == 1 and "E111" in fixed.err and fixed.out == ""
    listed = run_cli("plan", "--inventory", "LL-S, LifePower4 V2")
    assert listed.exit_code == 1
    assert "error E111: LifePower4 V2 at position 2 is not covered" in listed.err


def test_models_lists_the_refused_look_alikes_with_their_reason(
    run_cli: Callable[..., CliResult],
) -> None:
    result = run_cli("models")
    assert result.exit_code == 0
    assert "Not covered by the interop guide, refused by name (E111):" in result.out
    assert f"  LifePower4 V2: {LP4_V2_REASON}" in result.out
    assert "  LifePower4 V2 with auto-ID: it has no DIP switches at all" in result.out
    assert "  EG4 280Ah Indoor Wall Mount: it is a wall-mount battery" in result.out
    assert "source: Public reports (wombatt issue 30)" in result.out


def test_a_company_catalog_adds_its_own_refused_battery(
    run_cli: Callable[..., CliResult], tmp_path: Path, write_spec: Callable[[str], Path]
) -> None:
    text = DEFAULT_CATALOG.read_text().replace(
        "not_covered:\n",
        "not_covered:\n  - name: Shop Special 12V\n    aliases: [SS12]\n"
        "    reason: it is a 12 V battery\n    source: our warehouse\n",
        1,
    )
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text)
    spec = write_spec("batteries:\n  - model: ss12\n")
    result = run_cli("validate", "--catalog", str(catalog), str(spec))
    assert result.exit_code == 1
    assert (
        "error E111: 'ss12' at position 1 is the Shop Special 12V, which the interop guide "
        "does not cover: it is a 12 V battery"
    ) in result.out
    assert (
        "Shop Special 12V: it is a 12 V battery" in run_cli("models", "--catalog", str(catalog)).out
    )


def test_a_catalog_may_not_both_plan_and_refuse_a_name(tmp_path: Path) -> None:
    text = DEFAULT_CATALOG.read_text().replace(
        "aliases: [SR-48-100-LP4-IN-02,", "aliases: [LP4, SR-48-100-LP4-IN-02,", 1
    )
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    assert any(
        "the name 'LP4' of LifePower4 V2 is also LifePower4's" in f.message
        for f in raised.value.findings
    )


# --- 2. names as invoices write them ------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "model"),
    [
        ("EG4 LL-S 48V 100Ah", "LL-S"),
        ("EG4 LifePower4 48V 100Ah", "LifePower4"),
        ("EG4-LL 48V 100AH V2 (4 DIP)", "LL-V2 (4 DIP)"),
        ("EG4 LL-V2 (6 DIP) 51.2V 100Ah", "LL-V2 (6 DIP)"),
        ("eg4 ll-v1 48 V 100 Ah 5.12 kWh", "LL-V1"),
        ("EG4-LL V2 4 DIP 48V", "LL-V2 (4 DIP)"),
    ],
)
def test_invoice_names_resolve_to_the_one_model_they_name(
    catalog: Catalog, typed: str, model: str
) -> None:
    named = identify(catalog, typed)
    assert named.model is not None and named.model.name == model
    assert [f.code for f in findings_for(f"batteries:\n  - model: {typed}\n") if f.is_error] == []


def test_invoice_names_in_a_plan_print_the_canonical_name(
    run_cli: Callable[..., CliResult], write_spec: Callable[[str], Path]
) -> None:
    spec = write_spec(
        "batteries:\n  - model: EG4 LL-S 48V 100Ah\n  - model: EG4-LL 48V 100AH V2 (4 DIP)\n"
        "  - model: EG4 LifePower4 48V 100Ah\n"
    )
    result = run_cli("plan", "--format", "json", str(spec))
    assert result.exit_code == 0, result.err
    models = [b["model"] for b in json.loads(result.out)["batteries"]]
    assert models == ["LL-S", "LL-V2 (4 DIP)", "LifePower4"]


def test_an_invoice_name_that_could_be_two_models_lists_them_and_how_to_tell() -> None:
    message, hint, line, column = one("batteries:\n  - model: EG4-LL 48V 100Ah V2\n", "E101")
    assert (
        message == "'EG4-LL 48V 100Ah V2' at position 1 could be the LL-V2 (6 DIP) or LL-V2 (4 DIP)"
    )
    assert hint == (
        "tell them apart on the battery: 6 DIP switches on the LL-V2 (6 DIP); 4 DIP switches "
        "on the LL-V2 (4 DIP); then write the model as its label names it"
    )
    assert (line, column) == (2, 12)


def test_a_name_two_four_switch_models_share_sends_the_installer_to_the_label() -> None:
    message, hint, _line, _column = one("batteries:\n  - model: EG4 LL 4 DIP\n", "E101")
    assert message == "'EG4 LL 4 DIP' at position 1 could be the LL-V2 (4 DIP) or LL-V1"
    assert hint == "each has 4 DIP switches: write the model as the label on the battery names it"


def test_a_short_name_that_fits_a_guide_model_and_look_alikes_names_which_are_not_covered() -> None:
    message, hint, _line, _column = one("batteries:\n  - model: LifePower\n", "E101")
    assert message == (
        "'LifePower' at position 1 could be the LifePower4, LifePower4 V2 or LifePower4 V2 "
        "with auto-ID; the interop guide does not cover the LifePower4 V2 and LifePower4 V2 "
        "with auto-ID"
    )
    assert hint == (
        "tell them apart on the battery: 6 DIP switches on the LifePower4 V2; 4 DIP switches "
        "on the LifePower4; no DIP switches on the LifePower4 V2 with auto-ID; then write the "
        "model as its label names it"
    )


def test_an_invoice_rating_the_model_does_not_have_is_not_planned_as_it() -> None:
    message, _hint, _line, _column = one("batteries:\n  - model: EG4 LL-S 48V 200Ah\n", "E101")
    assert message == (
        "'EG4 LL-S 48V 200Ah' at position 1 is written like the LL-S, but the LL-S of the "
        "interop guide is 51.2 V (48 V on invoices) and 100 Ah"
    )


def test_fix_keeps_invoice_names_and_their_right_firmware(
    run_cli: Callable[..., CliResult], write_spec: Callable[[str], Path]
) -> None:
    spec = write_spec(
        "batteries:\n  - model: EG4 LifePower4 48V 100Ah\n    firmware: V3.37\n"
        "  - model: EG4 LL-S 48V 100Ah\n    firmware: Z02T12\n"
    )
    result = run_cli("plan", "--fix", str(spec))
    assert result.exit_code == 0, result.err
    assert result.out == (
        "batteries:\n  - model: EG4 LL-S 48V 100Ah\n    firmware: Z02T12\n"
        "  - model: EG4 LifePower4 48V 100Ah\n    firmware: V3.37\n"
    )
