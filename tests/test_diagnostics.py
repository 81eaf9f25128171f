"""One test per diagnostic code: code, line, column and the key words of the message."""

from __future__ import annotations

import difflib
import re

import pytest

from generator.bank.catalog import default_catalog, name_key
from generator.bank.diagnostics import Finding
from generator.bank.i18n import _, language
from generator.bank.spec import BATTERY_KEYS, CABLE_KEYS, JOB_KEYS, TOP_KEYS
from generator.bank.yamlsrc import CLOSE, Nearest
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


def misspelt(word: str) -> list[str]:
    """Every one-letter slip of `word`: a letter left out, doubled, swapped or replaced."""
    slips = [word[:i] + word[i + 1 :] for i in range(len(word))]
    slips += [word[:i] + word[i] + word[i:] for i in range(len(word))]
    slips += [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]
    slips += [word[:i] + "xq"[word[i] == "x"] + word[i + 1 :] for i in range(len(word))]
    return slips


def test_the_suggested_keys_and_models_are_difflibs() -> None:
    """Nearest (cheap for a spec with thousands of unknown keys) suggests what
    difflib.get_close_matches does, in the same order, for the spec's keys and the catalog's
    model names: every one-letter slip of each, the words themselves, other words and words
    that match nothing, one best suggestion and six."""
    models = [
        name_key(name)
        for model in default_catalog().models
        for name in (model.name, *model.aliases)
    ]
    others = ["", "x", "unknown_key_17", "serial" * 40, "firmwareee", "ll", "LL-S", "lifepower"]
    others += ["ÄÖÜ", "bat teries", "eeeeeeeee", *(f"LLV{n}" for n in range(9))]
    compared, suggested = 0, set()
    for choices in (TOP_KEYS, BATTERY_KEYS, JOB_KEYS, CABLE_KEYS, list(dict.fromkeys(models)), []):
        best, six = Nearest(choices), Nearest(choices, 6)
        for word in [*choices, *others, *(slip for known in choices for slip in misspelt(known))]:
            expected = difflib.get_close_matches(word, list(choices), n=6, cutoff=CLOSE)
            assert (best(word), six(word)) == (expected[:1], expected), (word, choices)
            compared += 1
            suggested.add(len(expected))
    assert compared > 1_000 and suggested == {0, 1, 2, 3, 4, 5, 6}, (compared, suggested)


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


# --- serials: a battery the spec gives a serial for is named by it (issue 18, point 4) ------
# Its as-found position stays beside it: the crew finds the battery by the position and is
# sure of it by the label, whatever position the correction gives it.

SERIALED = {
    "order": """\
        batteries:
          - model: LL-V2 (4 DIP)
            serial: V2-0001
            id: 1
            firmware: Z01T16
          - model: LL-S
            serial: LLS-0002
            id: 1
          - model: LifePower4
            serial: LP4-0003
            firmware: V2.10
        """,
    "split": """\
        batteries:
          - model: LL-S
            serial: LLS-0001
          - model: LL-V1
            serial: V1-0002
          - model: LL-V2 (4 DIP)
            serial: V2-0003
          - model: LL-V1
            serial: V1-0004
        """,
    "cables": """\
        batteries:
          - model: LL-S
            serial: LLS-0001
          - model: LL-V2 (4 DIP)
            serial: V2-0002
          - model: LL-V1
            serial: V1-0003
          - model: LL-V1
            serial: V1-0004
        cables:
          - between: [1, 2]
            pins: [7]
          - between: [2, 3]
            pins: [1, 2, 3, 4, 5, 6, 7, 8]
        """,
    "extra pins": """\
        batteries:
          - model: LL-S
            serial: LLS-0001
          - model: LL-V2 (4 DIP)
            serial: V2-0002
          - model: LL-V1
            serial: V1-0003
        cables:
          - between: [1, 2]
            pins: [7, 8]
          - between: [2, 3]
            pins: [1, 2, 7, 8]
        """,
    "names": """\
        batteries:
          - model: LL-V3
            serial: X-0001
          - model: LifePower4 V2
            serial: X-0002
          - model: LL-V2
            serial: X-0003
        """,
    "too large": "batteries:\n  - model: LL-S\n"
    + "".join(f"  - model: LL-V1\n    serial: V1-{n:04}\n" for n in range(2, 18)),
}
CHANGE = "1 OFF · 2 ON · 3 ON · 4 ON · 5 ON · 6 ON"  # the LL-S at ID 1
# (spec, code, position, message, hint or None where another test holds it)
SERIAL_FINDINGS = [
    (
        "order",
        "E102",
        1,
        "LL-V2 (4 DIP) (serial V2-0001) at position 1 with ID 1 is the master, but LL-S "
        "(serial LLS-0002) at position 2 with ID 1 is newer",
        f"move the LL-S (serial LLS-0002) at position 2 to position 1 and set ID 1 ({CHANGE}): "
        "the newest model is the master, at the top of the rack",
    ),
    (
        "order",
        "E104",
        2,
        "LL-S (serial LLS-0002) at position 2 with ID 1 is out of order: IDs count up from the "
        "master, one per position; ID 1 is also set on LL-V2 (4 DIP) (serial V2-0001) at "
        "position 1 with ID 1",
        f"move the LL-S (serial LLS-0002) at position 2 to position 1 and set ID 1 ({CHANGE})",
    ),
    (
        "order",
        "E110",
        3,
        "LifePower4 (serial LP4-0003) at position 3 runs firmware 'V2.10', but the LifePower4 "
        "needs V3.37 or V2.16",
        None,
    ),
    (
        "order",
        "W202",
        2,
        "installed firmware of LL-S (serial LLS-0002) at position 2 with ID 1 is not given: "
        "the checklist leaves it to be filled in",
        "read it in BMS Tools and add 'firmware:'; the LL-S needs Z02T12",
    ),
    (
        "split",
        "E103",
        4,
        "LL-V1 (serial V1-0004) at position 4 is apart from the other LL-V1 (serial V1-0002) "
        "at position 2",
        None,
    ),
    (
        "split",
        "W201",
        3,
        "LL-V2 (4 DIP) (serial V2-0003) at position 3 is newer than LL-V1 (serial V1-0002) at "
        "position 2 above it",
        "order the groups newest to oldest down the rack (LL-S, LL-V2 (4 DIP), LL-V1): move "
        "the LL-V2 (4 DIP) (serial V2-0003) at position 3 to position 2 and set ID 2 "
        "(1 ON · 2 ON · 3 OFF · 4 ON)",
    ),
    (
        "cables",
        "E108",
        1,
        "the cable between LL-S (serial LLS-0001) at position 1 and LL-V2 (4 DIP) "
        "(serial V2-0002) at position 2 lacks pin 8: no communication passes it",
        None,
    ),
    (
        "cables",
        "E106",
        2,
        "the cable between LL-V2 (4 DIP) (serial V2-0002) at position 2 and LL-V1 "
        "(serial V1-0003) at position 3 has pins 3 and 6 populated in the mixed part of the "
        "bank: a signal there trips the LL-S breaker",
        None,
    ),
    (
        "cables",
        "E108",
        3,
        "no cable is listed between LL-V1 (serial V1-0003) at position 3 and LL-V1 "
        "(serial V1-0004) at position 4: the batteries below cannot communicate",
        None,
    ),
    (
        "extra pins",
        "E107",
        2,
        "the cable between LL-V2 (4 DIP) (serial V2-0002) at position 2 and LL-V1 "
        "(serial V1-0003) at position 3 has pins 1 and 2 besides 7 and 8 in the mixed part "
        "of the bank, where only pins 7 and 8 may be populated",
        None,
    ),
    (
        "names",
        "E101",
        1,
        "unknown model 'LL-V3' (serial X-0001) at position 1; closest: LL-V1, LL-V2 (6 DIP), "
        "LL-V2 (4 DIP)",
        None,
    ),
    (
        "names",
        "E111",
        2,
        "LifePower4 V2 (serial X-0002) at position 2 is not covered by the interop guide: it "
        "has 6 DIP switches and speaks the LL-V2 protocol (public reports), so the 4-switch "
        "table of the guide's LifePower4 would set it wrong",
        None,
    ),
    (
        "names",
        "E101",
        3,
        "'LL-V2' (serial X-0003) at position 3 could be the LL-V2 (6 DIP) or LL-V2 (4 DIP)",
        None,
    ),
    (
        "too large",
        "E105",
        17,
        "the bank has 17 batteries, but the LL-V1 (position 2) allows IDs only up to 16, so "
        "LL-V1 (serial V1-0017) at position 17 gets no address",
        None,
    ),
]


def at(spec: str, code: str, position: int) -> Finding:
    matching = [f for f in findings_for(SERIALED[spec]) if (f.code, f.position) == (code, position)]
    assert len(matching) == 1, [f.as_text() for f in findings_for(SERIALED[spec])]
    return matching[0]


@pytest.mark.parametrize(
    ("spec", "code", "position", "message", "hint"),
    SERIAL_FINDINGS,
    ids=[f"{code}-{spec}-{position}" for spec, code, position, *_ in SERIAL_FINDINGS],
)
def test_a_finding_names_each_battery_by_its_serial_and_position(
    spec: str, code: str, position: int, message: str, hint: str | None
) -> None:
    finding = at(spec, code, position)
    assert finding.message == message
    if hint is not None:
        assert finding.hint == hint


def test_every_code_that_names_a_battery_is_checked_with_serials() -> None:
    """design.md's codes whose message names a battery (E109 names two positions that hold
    no cable pair; E001–E004 are about the file)."""
    naming = {"E101", "E102", "E103", "E104", "E105", "E106", "E107", "E108", "E110", "E111"}
    assert {code for _spec, code, *_ in SERIAL_FINDINGS} == naming | {"W201", "W202"}


SERIAL_WORDS = re.compile(r"\(serial (?P<serial>[^)]+)\)")


@pytest.mark.parametrize("spec", sorted(SERIALED))
def test_a_spanish_finding_names_the_same_serials(spec: str) -> None:
    """Each serial an English message or hint gives stands in the Spanish one, worded as the
    Spanish sheet words it ('n.º de serie'), and no English 'serial' is left."""
    checked = 0
    for finding in findings_for(SERIALED[spec]):
        with language("es"):
            spanish = (finding.message_in(_), finding.hint_in(_) or "")
        for english, translated in zip((finding.message, finding.hint or ""), spanish, strict=True):
            serials = SERIAL_WORDS.findall(english)
            assert [s for s in re.findall(r"n\.º de serie ([^)]+)\)", translated)] == serials
            assert "(serial " not in translated, translated
            checked += len(serials)
    assert checked > 0


def test_a_bank_without_serials_is_named_as_before() -> None:
    """No serial given: the model alone, as every message named a battery before."""
    text = "batteries:\n  - model: LL-V2 (4 DIP)\n  - model: LL-S\n    serial: ''\n"
    finding = only(findings_for(text), "E102")
    assert (
        finding.message
        == "LL-V2 (4 DIP) at position 1 is the master, but LL-S at position 2 is newer"
    )


def test_a_spanish_cable_hint_names_the_wire_colours_in_spanish() -> None:
    """The colours in a cable hint are words of the sheet's language, as in its pinout table:
    'pines 7 (blanco/marrón) y 8 (marrón)', never the English 'white/brown'."""
    text = (
        "batteries:\n  - model: LL-S\n  - model: LL-V1\n"
        "cables:\n  - between: [1, 2]\n    pins: [1, 2, 3, 4, 5, 6, 7, 8]\n"
    )
    finding = only(findings_for(text), "E106")
    assert finding.hint is not None and "pins 7 (white/brown) and 8 (brown)" in finding.hint
    with language("es"):
        spanish = finding.hint_in(_) or ""
    assert "pines 7 (blanco/marrón) y 8 (marrón) en directo" in spanish, spanish
    assert "brown" not in spanish
