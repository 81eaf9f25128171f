"""Text is text and numbers are plain decimal: what the loader refuses, and how it says so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.bank.diagnostics import MAX_LISTED
from tests.helpers import CliResult, findings_for

BATTERY = "batteries:\n  - model: LL-S\n"
CLEAN = BATTERY + "    firmware: Z02T12\n"  # no warning either


def cut(value: str) -> str:
    """A long value as messages quote it: its first 39 characters and an ellipsis."""
    return repr(value[:39] + "…")


@pytest.mark.parametrize(
    ("escape", "named"),
    [
        ("\\f", "a form feed (U+000C)"),
        ("\\e", "an escape character (U+001B)"),
        ("\\0", "a NUL character (U+0000)"),
        ("\\v", "a vertical tab (U+000B)"),
        ("\\b", "a backspace (U+0008)"),
        ("\\uFFFE", "a noncharacter (U+FFFE)"),
        ("\\x9b", "a control character (U+009B)"),
        ("\\u2028", "a line separator (U+2028)"),
    ],
)
def test_control_character_in_a_text_field_is_named(escape: str, named: str) -> None:
    spec = f'job:\n  customer: Jo\nbatteries:\n  - model: LL-S\n    serial: "AB{escape}CD"\n'
    [finding] = [f for f in findings_for(spec) if f.is_error]
    assert finding.code == "E002"
    assert str(finding.location) == "bank.yaml:5:13"
    assert finding.message == (f"serial of battery at position 1 contains {named} at character 3")


@pytest.mark.parametrize("field", ["title", "customer", "site", "quote", "date"])
def test_every_job_field_refuses_control_characters(field: str) -> None:
    findings = findings_for(f'job:\n  {field}: "x\\ey"\n' + BATTERY)
    assert [(f.code, f.location.line, f.message) for f in findings if f.is_error] == [
        ("E002", 2, f"job {field} contains an escape character (U+001B) at character 2")
    ]


def test_model_and_inverter_refuse_control_characters() -> None:
    findings = findings_for('inverter: "18kPV\\0"\nbatteries:\n  - model: "LL-S\\f"\n')
    assert [(f.code, f.location.line) for f in findings if f.is_error] == [
        ("E002", 1),
        ("E002", 3),
    ]


def test_a_line_break_is_refused_in_one_line_fields_and_kept_in_notes() -> None:
    findings = findings_for(
        'job:\n  title: "two\\nlines"\n  notes: |\n    first line\n    second line\n' + BATTERY
    )
    [error] = [f for f in findings if f.is_error]
    assert error.message == "job title contains a line break (U+000A) at character 4"
    assert error.hint == "write it on one line"


def test_a_tab_inside_a_value_is_named_as_a_tab() -> None:
    [error] = [f for f in findings_for('job:\n  title: "A\\tB"\n' + BATTERY) if f.is_error]
    assert error.message == "job title contains a tab (U+0009) at character 2"
    assert error.hint == "replace the tab with a space"


def test_a_tab_at_the_start_of_a_line_is_named_as_a_tab() -> None:
    [error] = findings_for("batteries:\n  - model: LL-S\n\tserial: x\n")
    assert (error.code, str(error.location)) == ("E001", "bank.yaml:3:1")
    assert error.message == (
        "not valid YAML: line 3 starts with a tab, and YAML indents with spaces only"
    )
    assert error.hint == "replace the tab at the start of line 3 with spaces"


def test_raw_control_character_names_the_character() -> None:
    [error] = findings_for("job:\n  title: a\x1b[31mred\n" + BATTERY)
    assert error.code == "E001"
    assert error.message == (
        "the spec contains the control character U+001B (an escape character), "
        "which YAML does not allow"
    )


@pytest.mark.parametrize(
    ("written", "message", "hint"),
    [
        (
            "010",
            "count of battery at position 1 is '010', with a leading 0: "
            "YAML 1.1 reads that as an octal number",
            "write 10, without the leading 0",
        ),
        (
            "1:00",
            "count of battery at position 1 is '1:00': YAML 1.1 reads a number with ':' as "
            "base 60 (1:00 is 60)",
            "write a plain decimal number, or put quotes around it if it is text",
        ),
        (
            "0x" + "f" * 3000,
            f"count of battery at position 1 must be from 1 to 64, not {cut('0x' + 'f' * 3000)}",
            "use a number from 1 to 64",
        ),
        (
            "0x2",
            "count of battery at position 1 is '0x2', a hexadecimal number",
            "write it as a plain decimal number",
        ),
        (
            "1_0",
            "count of battery at position 1 is '1_0', with '_' between its digits",
            "write the digits without '_'",
        ),
        (
            "9" * 4301,
            f"count of battery at position 1 must be from 1 to 64, not {cut('9' * 4301)}",
            "use a number from 1 to 64",
        ),
        (
            '!!int ""',
            "count of battery at position 1 must be a whole number, not ''",
            "write a number from 1 to 64, without quotes",
        ),
    ],
    ids=["octal", "sexagesimal", "huge-hex", "hex", "underscore", "4301-digits", "empty-int"],
)
def test_non_decimal_integers_are_e002_with_a_hint(written: str, message: str, hint: str) -> None:
    [error] = [f for f in findings_for(f"{BATTERY}    count: {written}\n") if f.is_error]
    assert (error.code, error.message, error.hint) == ("E002", message, hint)


def test_fix_refuses_the_same_integers_with_the_same_words(
    run_cli: Callable[..., CliResult], write_spec: Callable[..., Path]
) -> None:
    spec = write_spec("batteries:\n  - model: LL-V1\n    id: 010\n  - model: LL-S\n")
    result = run_cli("plan", "--fix", str(spec))
    loader = [f.as_text() for f in findings_for(spec.read_text(), str(spec)) if f.code == "E002"]
    assert result.exit_code == 1 and result.out == ""
    assert len(loader) == 1 and result.err.startswith(loader[0] + "\n")
    assert "write 10, without the leading 0" in result.err


def test_findings_are_capped_with_a_count_of_the_rest(
    run_cli: Callable[..., CliResult], write_spec: Callable[..., Path]
) -> None:
    spec = write_spec(CLEAN + "".join(f"key{n}: x\n" for n in range(1000)))
    result = run_cli("validate", str(spec))
    assert result.exit_code == 1
    assert result.out.count("error E003: unknown key") == MAX_LISTED
    assert (
        f"{spec}:204:1: error E003: and 800 more findings, not listed (only the first 200 are)"
        in result.out
    )
    assert result.out.splitlines()[-1] == (
        f"{spec}: has errors — 1 battery, 200 errors, 0 warnings listed, and 800 more findings"
    )


def test_json_output_is_capped_too(
    run_cli: Callable[..., CliResult], write_spec: Callable[..., Path]
) -> None:
    import json

    spec = write_spec(CLEAN + "".join(f"key{n}: x\n" for n in range(500)))
    findings = json.loads(run_cli("validate", "--format", "json", str(spec)).out)
    assert len(findings) == MAX_LISTED + 1
    assert findings[-1]["message"].startswith("and 300 more findings")


def test_inventory_count_has_a_digit_cap(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("plan", "--inventory", "9" * 5000 + "x LL-S, 2x LL-V1")
    assert result.exit_code == 1
    assert "<inventory>:1:1: error E002: count '99999" in result.err
    assert "of 'LL-S' must be from 1 to 64" in result.err


def test_terminal_output_escapes_control_characters(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    spec = tmp_path / "bank\x1b[2J.yaml"
    spec.write_text(BATTERY)
    result = run_cli("validate", str(spec))
    assert result.exit_code == 0
    assert "\x1b" not in result.out + result.err
    assert "bank\\x1b[2J.yaml: OK" in result.out


INVISIBLE = [
    ("\\u202E", "a right-to-left override (U+202E)"),
    ("\\u202D", "a left-to-right override (U+202D)"),
    ("\\u202A", "a left-to-right embedding (U+202A)"),
    ("\\u202B", "a right-to-left embedding (U+202B)"),
    ("\\u202C", "a pop directional formatting (U+202C)"),
    ("\\u2066", "a left-to-right isolate (U+2066)"),
    ("\\u2067", "a right-to-left isolate (U+2067)"),
    ("\\u2068", "a first strong isolate (U+2068)"),
    ("\\u2069", "a pop directional isolate (U+2069)"),
    ("\\u200E", "a left-to-right mark (U+200E)"),
    ("\\u200F", "a right-to-left mark (U+200F)"),
    ("\\u061C", "an Arabic letter mark (U+061C)"),
    ("\\u200B", "a zero-width space (U+200B)"),
    ("\\u200C", "a zero-width non-joiner (U+200C)"),
    ("\\u200D", "a zero-width joiner (U+200D)"),
    ("\\u2060", "a word joiner (U+2060)"),
    ("\\uFEFF", "a zero-width no-break space (U+FEFF)"),
    ("\\u00AD", "a soft hyphen (U+00AD)"),
    ("\\u3164", "an invisible formatting character (U+3164)"),
    ("\\U000E0041", "an invisible formatting character (U+E0041)"),
]
ONE_LINE_FIELDS = [
    ("serial", lambda value: f'batteries:\n  - model: LL-S\n    serial: "{value}"\n', 3),
    ("firmware", lambda value: f'batteries:\n  - model: LL-S\n    firmware: "{value}"\n', 3),
    ("model", lambda value: f'batteries:\n  - model: "{value}"\n', 2),
    ("quote", lambda value: f'job:\n  quote: "{value}"\n{BATTERY}', 2),
    ("customer", lambda value: f'job:\n  customer: "{value}"\n{BATTERY}', 2),
    ("inverter", lambda value: f'inverter: "{value}"\n{BATTERY}', 1),
]


@pytest.mark.parametrize(("escape", "named"), INVISIBLE, ids=[e for e, _ in INVISIBLE])
def test_an_invisible_format_character_in_a_serial_is_a_finding(escape: str, named: str) -> None:
    """The serial that printed SN-4321-X in the rack and SN-1234-X in the checklist."""
    spec = f'batteries:\n  - model: LL-S\n    serial: "SN-{escape}4321-X"\n'
    [finding] = [f for f in findings_for(spec) if f.is_error]
    assert (finding.code, str(finding.location)) == ("E002", "bank.yaml:3:13")
    assert finding.message == f"serial of battery at position 1 contains {named} at character 4"
    assert finding.hint == (
        "remove it: an invisible character that can make the text read differently in "
        "different places"
    )


@pytest.mark.parametrize(
    ("field", "spec", "line"), ONE_LINE_FIELDS, ids=[name for name, _, _ in ONE_LINE_FIELDS]
)
def test_every_one_line_field_refuses_bidi_controls(
    field: str, spec: Callable[[str], str], line: int
) -> None:
    findings = [f for f in findings_for(spec("SN-\\u202E4321\\u202C-X")) if f.is_error]
    assert [(f.code, f.location.line) for f in findings] == [("E002", line)]
    assert "a right-to-left override (U+202E) at character 4" in findings[0].message


def test_notes_refuse_bidi_controls_and_keep_the_joiners() -> None:
    """Free text: a reordering control is refused as in every field; the two joiners that
    scripts and emoji need (they reorder nothing) are kept."""
    refused = findings_for(f'job:\n  notes: "Rack \\u2067north\\u2069 wall"\n{BATTERY}')
    assert [f.message for f in refused if f.is_error] == [
        "job notes contains a right-to-left isolate (U+2067) at character 6"
    ]
    kept = findings_for(f'job:\n  notes: "Rack\\u200d in the garage\\u200c"\n{BATTERY}')
    assert [f for f in kept if f.is_error] == []


def test_the_schema_refuses_what_the_loader_refuses() -> None:
    import re

    text = json_text_pattern()
    assert re.fullmatch(text, "SN-4321-X")
    assert not re.fullmatch(text, "SN-\u202e4321\u202c-X")
    assert not re.fullmatch(text, "SN-\u200b4321")


def json_text_pattern() -> str:
    """The pattern the shipped schema gives a battery's serial (ECMA \\uXXXX escapes)."""
    import json

    from tests.helpers import ROOT

    schema = json.loads((ROOT / "schema" / "bank-spec.schema.json").read_text())
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("serial"), dict) and "pattern" in node["serial"]:
                found.append(node["serial"]["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found[0]


def test_terminal_output_escapes_bidi_controls(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """A file name (or any value quoted in a message) cannot reorder the line it is in."""
    spec = tmp_path / "bank\u202egnp.yaml"
    spec.write_text(BATTERY)
    result = run_cli("validate", str(spec))
    assert result.exit_code == 0
    assert "\u202e" not in result.out + result.err
    assert "bank\\u202egnp.yaml: OK" in result.out
