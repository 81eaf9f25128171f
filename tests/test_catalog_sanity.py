"""Catalog sanity at load time, and firmware written without its leading letter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.bank.catalog import DEFAULT_CATALOG, load_catalog
from generator.errors import CatalogError
from tests.helpers import EXAMPLE, CliResult, findings_for

TEXT = DEFAULT_CATALOG.read_text()
LIFEPOWER_DIP = 'one_when: "ON"\n      id_range: [0, 15]'


def catalog_with(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT
    path = tmp_path / "catalog.yaml"
    path.write_text(TEXT.replace(old, new, 1))
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("old", "new", "marker", "message"),
    [
        (
            LIFEPOWER_DIP,
            'one_when: "ON"\n      id_range: [2, 15]',
            "id_range: [2, 15]",
            "id_range 2–15 does not include ID 1, the master's",
        ),
        (
            LIFEPOWER_DIP,
            'one_when: "ON"\n      id_range: [0, 99]',
            "id_range: [0, 99]",
            "id_range must be [lowest, highest] with highest at most 16",
        ),
        (
            "breaker_pins: [3, 6]",
            "breaker_pins: [3, 7]",
            "- name: LL-S",
            "breaker_pins of LL-S include pin 7, which carries the battery signal: every "
            "neighbour cable would trip it",
        ),
        ("    7: white/brown\n", "    3: white/brown\n", "3: white/brown", "pin 3 appears twice"),
        ("rank: 5", "rank: " + "5" * 5000, "rank: 555", "rank must be from 1 to 100, not '5555"),
        (
            "volts: 51.2, amp_hours: 100, labelled_volts: 48}\n    comm_ports: null",
            "volts: 1.0e+999, amp_hours: 100, labelled_volts: 48}\n    comm_ports: null",
            "1.0e+999",
            "volts must be a number from 1 to 1000, not '1.0e+999'",
        ),
        ("aliases: [LLV1,", 'aliases: ["LL\\eV1",', "LL\\eV1", "contains an escape character"),
        ("- name: LL-V1", "- name: '---'", "- name: '---'", "has no letter or digit"),
    ],
    ids=[
        "range-without-1",
        "range-beyond-switches",
        "breaker-on-signal-pin",
        "pin-twice",
        "huge-rank",
        "infinite-volts",
        "control-character",
        "name-without-letters",
    ],
)
def test_impossible_catalog_is_refused_at_load_time_with_its_line(
    tmp_path: Path, old: str, new: str, marker: str, message: str
) -> None:
    path = catalog_with(tmp_path, old, new)
    with pytest.raises(CatalogError) as refused:
        load_catalog(path)
    found = [f for f in refused.value.findings if message in f.message]
    assert found, [f.message for f in refused.value.findings]
    assert found[0].location.file == str(path)
    assert found[0].location.line == line_of(path, marker)


def test_empty_models_list(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(TEXT[: TEXT.index("models:")] + "models: []\n")
    with pytest.raises(CatalogError) as refused:
        load_catalog(path)
    assert [f.message for f in refused.value.findings] == ["the catalog's 'models' list is empty"]


def test_bad_catalog_from_the_command_line_exits_2_with_file_and_line(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    path = catalog_with(tmp_path, LIFEPOWER_DIP, 'one_when: "ON"\n      id_range: [3, 15]')
    result = run_cli("validate", "--catalog", str(path), str(EXAMPLE))
    line = line_of(path, "id_range: [3, 15]")
    assert result.exit_code == 2
    assert f"{path}:{line}:17: error E002: id_range 3–15 does not include ID 1" in result.err
    assert result.out == ""


def test_a_catalog_that_is_a_fifo_does_not_hang(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    import os

    os.mkfifo(tmp_path / "catalog.yaml")
    result = run_cli("models", "--catalog", str(tmp_path / "catalog.yaml"))
    assert result.exit_code == 2
    assert result.err == (
        f"Error: {tmp_path / 'catalog.yaml'}: is a named pipe (FIFO), not a catalog file\n"
    )


@pytest.mark.parametrize("written", ["3.37", "v3.37", "V 3.37", "2.16"])
def test_firmware_without_its_leading_letter_matches(
    run_cli: Callable[..., CliResult], write_spec: Callable[..., Path], written: str
) -> None:
    spec = write_spec(f"batteries:\n  - model: LifePower4\n    firmware: '{written}'\n")
    assert [f.code for f in findings_for(spec.read_text())] == []
    result = run_cli("plan", "--format", "json", str(spec))
    installed = "V2.16" if written == "2.16" else "V3.37"
    assert f'"installed": "{installed}"' in result.out  # the catalog's spelling


@pytest.mark.parametrize("written", ["3.3", "33.7", "X3.37", "V3.37.1", "Z3.37"])
def test_firmware_that_differs_beyond_the_letter_is_still_e110(written: str) -> None:
    [error] = findings_for(f"batteries:\n  - model: LifePower4\n    firmware: '{written}'\n")
    assert error.code == "E110"
    assert error.hint is not None and error.hint.startswith("update it to V3.37 or V2.16")


def test_a_zero_numbered_firmware_needs_its_letter_only_when_the_rest_differs() -> None:
    assert findings_for("batteries:\n  - model: LL-S\n    firmware: 02t12\n") == []
    assert [f.code for f in findings_for("batteries:\n  - model: LL-S\n    firmware: 2T12\n")] == [
        "E110"
    ]
