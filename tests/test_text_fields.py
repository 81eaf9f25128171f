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
