"""One test per diagnostic code: code, line, column and the key words of the message."""

from __future__ import annotations

import pytest

from generator.bank.diagnostics import Finding
from tests.helpers import findings_for

GOOD_BANK = """\
batteries:
  - model: LL-S
  - model: LL-V2 (4 DIP)
  - model: LL-V1
"""


def only(findings: list[Finding], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, [f.as_text() for f in findings]
    return matching[0]


def assert_finding(text: str, code: str, line: int, column: int, *words: str) -> Finding:
    finding = only(findings_for(text), code)
    assert (finding.location.line, finding.location.column) == (line, column), finding.as_text()
    for word in words:
        assert word in finding.message, finding.as_text()
    assert finding.hint, "every finding carries a fix in words"
    return finding


def test_good_bank_has_no_errors() -> None:
    assert [f.code for f in findings_for(GOOD_BANK) if f.is_error] == []


def test_e001_invalid_yaml() -> None:
    finding = assert_finding("batteries:\n  - model: [LL-S\n", "E001", 3, 1, "not valid YAML")
    assert finding.severity == "error"


def test_e001_not_a_mapping() -> None:
    assert_finding("- model: LL-S\n", "E001", 1, 1, "not a mapping")


def test_e001_empty_file() -> None:
    assert_finding("", "E001", 1, 1, "empty")


def test_e001_duplicate_key() -> None:
    assert_finding(
        "batteries:\n  - model: LL-S\n    model: LL-V1\n", "E001", 3, 5, "'model' appears twice"
    )


def test_e002_wrong_type() -> None:
    text = "batteries:\n  - model: LL-S\n    count: two\n"
    assert_finding(text, "E002", 3, 12, "count of battery at position 1", "whole number", "'two'")


def test_e002_impossible_value() -> None:
    text = "batteries:\n  - model: LL-S\ncables:\n  - between: [1, 2]\n    pins: [7, 8, 9]\n"
    assert_finding(text, "E002", 5, 18, "pin of cable 1", "from 1 to 8", "not 9")


def test_e002_count_below_one() -> None:
    assert_finding(
        "batteries:\n  - model: LL-S\n    count: 0\n", "E002", 3, 12, "must be from 1 to 64, not 0"
    )


def test_e003_unknown_key_suggests_closest() -> None:
    finding = assert_finding(
        "batteries:\n  - model: LL-S\n    serail: X1\n",
        "E003",
        3,
        5,
        "unknown key 'serail'",
        "battery at position 1",
    )
    assert finding.hint == "did you mean 'serial'?"


def test_e003_unknown_top_key() -> None:
    finding = assert_finding("batteris:\n  - model: LL-S\n", "E003", 1, 1, "unknown key 'batteris'")
    assert finding.hint == "did you mean 'batteries'?"


def test_e004_batteries_missing() -> None:
    assert_finding("job:\n  title: x\n", "E004", 1, 1, "no 'batteries' list")


def test_e004_batteries_empty() -> None:
    assert_finding("batteries: []\n", "E004", 1, 12, "'batteries' is empty")


def test_e101_unknown_model_names_closest() -> None:
    finding = assert_finding(
        "batteries:\n  - model: LL-S\n  - model: LL-V3\n",
        "E101",
        3,
        12,
        "unknown model 'LL-V3' at position 2",
        "closest: LL-V1",
    )
    assert finding.hint == "use one of: LL-V1, LL-V2 (6 DIP), LL-V2 (4 DIP)"


def test_e101_ambiguous_model() -> None:
    finding = only(findings_for("batteries:\n  - model: LL-V2\n"), "E101")
    assert "LL-V2 (6 DIP)" in finding.message and "LL-V2 (4 DIP)" in finding.message


def test_e102_master_not_newest() -> None:
    text = "batteries:\n  - model: LL-V2 (4 DIP)\n  - model: LL-V2 (4 DIP)\n  - model: LL-S\n"
    finding = assert_finding(text, "E102", 2, 5)
    assert (
        finding.message
        == "LL-V2 (4 DIP) at position 1 is the master, but LL-S at position 3 is newer"
    )
    assert finding.hint == (
        "move the LL-S at position 3 to position 1 and set ID 1 "
        "(1 OFF · 2 ON · 3 ON · 4 ON · 5 ON · 6 ON): the newest model is the master, "
        "at the top of the rack"
    )


def test_e103_model_not_grouped() -> None:
    text = (
        "batteries:\n  - model: LL-S\n  - model: LL-V2 (4 DIP)\n  - model: LL-V1\n"
        "  - model: LL-V2 (4 DIP)\n"
    )
    finding = assert_finding(text, "E103", 5, 5)
    assert finding.message == (
        "LL-V2 (4 DIP) at position 4 is apart from the other LL-V2 (4 DIP) at position 2"
    )


def test_e104_master_id() -> None:
    finding = assert_finding(
        "batteries:\n  - model: LL-S\n    id: 3\n",
        "E104",
        3,
        9,
        "LL-S at position 1 with ID 3 is on top, where the ID must be 1",
    )
    assert finding.hint == (
        "set ID 1 (1 OFF · 2 ON · 3 ON · 4 ON · 5 ON · 6 ON) on its LL-S DIP switches"
    )


def test_e104_out_of_order_and_duplicate() -> None:
    text = (
        "batteries:\n  - model: LL-S\n    id: 1\n  - model: LL-V1\n    id: 3\n"
        "  - model: LL-V1\n    id: 3\n"
    )
    finding = assert_finding(text, "E104", 5, 9)
    assert finding.message == (
        "LL-V1 at position 2 with ID 3 is out of order: IDs count up from "
        "the master, one per position; ID 3 is also set on LL-V1 at "
        "position 3 with ID 3"
    )
    assert finding.hint == "set ID 2 (1 ON · 2 ON · 3 OFF · 4 ON) on its LL-V1 DIP switches"


def test_e105_bank_too_large() -> None:
    text = "batteries:\n  - model: LL-S\n  - model: LL-V1\n    count: 16\n"
    finding = assert_finding(
        text,
        "E105",
        3,
        5,
        "the bank has 17 batteries",
        "allows IDs only up to 16",
        "LL-V1 at position 17 gets no address",
    )
    assert finding.position == 17


CABLED = GOOD_BANK + "cables:\n  - between: [1, 2]\n    pins: [1, 2, 3, 4, 5, 6, 7, 8]\n"


def test_e106_breaker_pins_in_mixed_segment() -> None:
    text = CABLED + "  - between: [2, 3]\n    pins: [1, 2, 3, 4, 5, 6, 7, 8]\n"
    finding = assert_finding(
        text,
        "E106",
        9,
        11,
        "the cable between LL-V2 (4 DIP) at position 2 "
        "and LL-V1 at position 3 has pins 3 and 6 populated",
        "trips the LL-S breaker",
    )
    assert finding.hint == (
        "replace it with a cable with only pins 7 and 8 populated between positions 2 and 3, "
        "pins 7 (white/brown) and 8 (brown) straight through"
    )


def test_e107_other_pins_in_mixed_segment() -> None:
    text = CABLED + "  - between: [2, 3]\n    pins: [1, 2, 7, 8]\n"
    assert_finding(text, "E107", 9, 11, "has pins 1 and 2 besides 7 and 8")


def test_e108_cable_lacks_signal_pin() -> None:
    text = CABLED + "  - between: [2, 3]\n    pins: [7]\n"
    assert_finding(text, "E108", 9, 11, "lacks pin 8", "no communication")


def test_e108_cable_missing() -> None:
    assert_finding(
        CABLED,
        "E108",
        6,
        3,
        "no cable is listed between LL-V2 (4 DIP) at position 2 and LL-V1 at position 3",
    )


def test_e109_cable_not_between_neighbours() -> None:
    text = CABLED + "  - between: [2, 3]\n    pins: [7, 8]\n  - between: [3, 4]\n    pins: [7, 8]\n"
    assert_finding(
        text,
        "E109",
        10,
        14,
        "between positions 3 and 4 does not join two neighbours",
        "3-battery bank",
    )


def test_e110_wrong_firmware() -> None:
    text = "batteries:\n  - model: LL-S\n  - model: LifePower4\n    firmware: V2.10\n"
    finding = assert_finding(
        text,
        "E110",
        4,
        15,
        "LifePower4 at position 2 runs firmware 'V2.10'",
        "needs V3.37 or V2.16",
    )
    assert "BMS Tools" in (finding.hint or "")


def test_e110_accepts_either_lifepower4_firmware() -> None:
    for version in ("V3.37", "v2.16"):
        text = f"batteries:\n  - model: LifePower4\n    firmware: {version}\n"
        assert "E110" not in [f.code for f in findings_for(text)]


def test_w201_groups_not_newest_first() -> None:
    text = "batteries:\n  - model: LL-S\n  - model: LifePower4\n  - model: LL-V1\n"
    finding = assert_finding(
        text, "W201", 4, 5, "LL-V1 at position 3 is newer than LifePower4 at position 2 above it"
    )
    assert finding.severity == "warning"


def test_w202_firmware_not_given() -> None:
    findings = [f for f in findings_for(GOOD_BANK) if f.code == "W202"]
    assert [f.location.line for f in findings] == [2, 3, 4]
    assert findings[0].message == (
        "installed firmware of LL-S at position 1 is not given: "
        "the checklist leaves it to be filled in"
    )
    assert findings[0].severity == "warning"


def test_findings_are_all_collected_and_sorted_by_position() -> None:
    text = (
        "batteries:\n  - model: LifePower4\n    id: 4\n  - model: LL-V1\n    firmware: X\n"
        "  - model: LL-S\n"
    )
    findings = findings_for(text)
    assert [f.code for f in findings if f.is_error] == ["E102", "E104", "E110"]
    assert [f.position for f in findings] == sorted(f.position or 0 for f in findings)


@pytest.mark.parametrize(
    "spelling",
    ["LLS", "ll-s", "LL V2 (4 DIP)", "ll-v2 4dip", "lifepower 4", "LP4", "LL-V2 6 DIP", "llv1"],
)
def test_aliases_are_accepted(spelling: str) -> None:
    assert "E101" not in [f.code for f in findings_for(f"batteries:\n  - model: {spelling}\n")]
