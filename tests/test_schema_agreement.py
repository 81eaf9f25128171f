"""The shipped JSON Schema and `validate` agree on shape, wherever a schema can say the rule.

For every spec in bank_specs/, tests/wrong_banks/, tests/malformed/, the hostile corpus and
the boundary cases in EDGES:
the schema rejects it exactly when `validate` reports a shape error — E002 (wrong type or
impossible value), E003 (unknown key), E004 (no batteries) — or E001 for a document that is
not a mapping at all. Model names and the compatibility rules (E101-E110) are not shape:
there the schema says "valid" and `validate` has the last word.

What a schema cannot say, and so is skipped here with its reason (never silently):
- text that is not YAML (syntax errors, tabs, an unclosed quote), not UTF-8, or holds a
  character YAML forbids: there is no data to hand a schema;
- a key given twice: a YAML library keeps one value, so the schema never sees the other;
- anchors and aliases: a schema sees the data after they are expanded, a recursive alias
  has no JSON form at all, and an alias bomb would expand to a billion items;
- size and nesting limits (1 MB, 16 levels, 100,000 YAML items): a schema has no word for
  the size of the text it was parsed from.
Known gaps in the other direction — valid to the schema, an error to `validate` — are listed
in GAPS below and checked to stay gaps, so that closing one is a deliberate change.
"""

from __future__ import annotations

import functools

import pytest
import yaml

from generator import api
from generator.bank.diagnostics import Finding
from generator.bank.yamlsrc import Loader
from tests.helpers import ROOT, WRONG_BANKS
from tests.hostile_corpus import CASES
from tests.schema_helpers import schema_errors

SHAPE_CODES = {"E002", "E003", "E004"}
NOT_A_MAPPING = ("the spec is not a mapping", "the spec is empty")  # a schema says: not object
# E001 messages a schema cannot judge, by the start of the message, with the reason.
OUTSIDE = {
    "not valid YAML": "YAML syntax error: there is no data to check",
    "the spec contains the control character": "a character YAML forbids: no data to check",
    "the spec is not UTF-8 text": "not UTF-8 text: no data to check",
    "key ": "a key given twice: the schema sees only one of them",
    "the spec is larger than": "the 1 MB size limit: a schema sees data, not the file's size",
    "the spec is nested more than": "the nesting limit: a schema sees data, not the YAML",
    "the spec is too large": "the YAML item limit: a schema sees data, not the YAML",
}


ONE = b"batteries:\n  - model: LL-S\n"
# Boundaries the corpora above do not reach: each side of every limit the schema states.
EDGES = {
    "id-0": b"batteries:\n  - model: LL-S\n    id: 0\n",
    "id-64": b"batteries:\n  - model: LL-S\n    id: 64\n",
    "count-64": b"batteries:\n  - model: LL-S\n    count: 64\n",
    "count-2-serial": b"batteries:\n  - model: LL-V1\n    count: 2\n    serial: X\n",
    "count-2-serial-empty": b"batteries:\n  - model: LL-V1\n    count: 2\n    serial:\n",
    "count-2-id": b"batteries:\n  - model: LL-V1\n    count: 2\n    id: 2\n",
    "count-1-serial-id": b"batteries:\n  - model: LL-V1\n    count: 1\n    serial: X\n    id: 1\n",
    "paper-upper": b"paper: A4\n" + ONE,
    "paper-quoted-blanks": b'paper: " Letter "\n' + ONE,
    "paper-empty": b"paper:\n" + ONE,
    "model-empty": b'batteries:\n  - model: ""\n',
    "model-blank": b'batteries:\n  - model: "   "\n',
    "model-100": b"batteries:\n  - model: " + b"L" * 100 + b"\n",
    "model-101": b"batteries:\n  - model: " + b"L" * 101 + b"\n",
    "title-200": b"job:\n  title: " + b"t" * 200 + b"\n" + ONE,
    "title-201": b"job:\n  title: " + b"t" * 201 + b"\n" + ONE,
    "title-number-date-bool": b"job:\n  title: 7\n  date: 2026-11-24\n  notes: yes\n" + ONE,
    "job-empty": b"job:\n" + ONE,
    "cables-empty-list": ONE + b"cables: []\n",
    "pins-empty": ONE + b"cables:\n  - {between: [1, 2], pins: []}\n",
    "between-one": ONE + b"cables:\n  - {between: [1], pins: [7, 8]}\n",
    "between-0": ONE + b"cables:\n  - {between: [0, 1], pins: [7, 8]}\n",
    "pin-8-9": ONE + b"cables:\n  - {between: [1, 2], pins: [8, 9]}\n",
    "batteries-64": b"batteries:\n" + b"  - model: LL-S\n" * 64,
    "batteries-65": b"batteries:\n" + b"  - model: LL-S\n" * 65,
    "key-number": b"1: x\n" + ONE,
    "title-escape-character": b'job:\n  title: "a\\eb"\n' + ONE,
    "title-line-break": b'job:\n  title: "two\\nlines"\n' + ONE,
    "notes-line-break": b'job:\n  notes: "two\\nlines"\n' + ONE,
    "notes-form-feed": b'job:\n  notes: "page\\fbreak"\n' + ONE,
    "model-noncharacter": b'batteries:\n  - model: "LL-S\\uFFFE"\n',
    "model-blank-and-tab": b'batteries:\n  - model: " \\t"\n',
}


def corpus() -> list[tuple[str, bytes]]:
    files = [
        *sorted((ROOT / "bank_specs").glob("*.yaml")),
        *sorted(WRONG_BANKS.glob("*.yaml")),
        *sorted((ROOT / "tests" / "malformed").glob("*.yaml")),
    ]
    specs = [(f"{path.parent.name}/{path.name}", path.read_bytes()) for path in files]
    hostile = [(f"hostile/{case.name}", case.data) for case in CASES]
    return specs + hostile + [(f"edge/{name}", data) for name, data in EDGES.items()]


CORPUS = corpus()
DATA = dict(CORPUS)


@functools.cache
def findings_of(name: str) -> list[Finding]:
    """validate's findings for a corpus spec (checked once: two tests ask)."""
    return api.check(api.SpecSource(name, DATA[name])).findings


@functools.cache
def reason_outside(name: str) -> str | None:
    return why_outside(findings_of(name), DATA[name])


def why_outside(findings: list[Finding], data: bytes) -> str | None:
    """The reason a schema cannot judge this spec, or None when it can."""
    for finding in findings:
        if finding.code != "E001" or finding.message.startswith(NOT_A_MAPPING):
            continue
        for start, reason in OUTSIDE.items():
            if finding.message.startswith(start):
                return reason
        pytest.fail(f"a new kind of E001 ({finding.message}): can a schema say it? Add it above")
    try:  # a spec eg4sheet reads past an E001 may still be text a YAML library refuses
        events = list(yaml.parse(data.decode("utf-8-sig"), Loader=Loader))
    except yaml.YAMLError:
        return "YAML that a YAML library refuses: no data to check"
    if any(isinstance(event, yaml.AliasEvent) for event in events):
        return "anchors and aliases: a schema sees the expanded data"
    return None


def shape_errors(findings: list[Finding]) -> list[str]:
    return [
        finding.as_text()
        for finding in findings
        if finding.code in SHAPE_CODES
        or (finding.code == "E001" and finding.message.startswith(NOT_A_MAPPING))
    ]


def test_corpus_is_all_there() -> None:
    assert len(CORPUS) >= 3 + 10 + 50 + 50 + len(EDGES)


@pytest.mark.parametrize(("name", "data"), CORPUS, ids=[name for name, _ in CORPUS])
def test_schema_and_validate_agree(name: str, data: bytes) -> None:
    findings = findings_of(name)
    reason = reason_outside(name)
    if reason is not None:
        pytest.skip(f"outside what a schema can say: {reason}")
    by_validate, by_schema = shape_errors(findings), schema_errors(data)
    assert bool(by_schema) == bool(by_validate), {"validate": by_validate, "schema": by_schema}


def test_the_skips_are_the_expected_ones() -> None:
    """The corpus cases outside a schema's reach, by reason: a change here is deliberate."""
    skipped: dict[str, list[str]] = {}
    for name in DATA:
        reason = reason_outside(name)
        if reason is not None:
            skipped.setdefault(reason.split(":")[0], []).append(name)
    assert {reason: len(names) for reason, names in skipped.items()} == {
        "YAML syntax error": 6,
        "a character YAML forbids": 3,
        "not UTF-8 text": 6,
        "a key given twice": 1,
        "the 1 MB size limit": 3,
        "the nesting limit": 2,
        "anchors and aliases": 6,
    }


GAPS = {  # valid to the schema, E002 to validate: JSON's data model cannot tell
    "more than 64 batteries once count is added up (a schema cannot sum)": (
        b"batteries:\n  - model: LL-S\n    count: 64\n  - model: LL-S\n"
    ),
    "a count written 2.0 (JSON has one kind of number; 2.0 is a whole number there)": (
        b"batteries:\n  - model: LL-S\n    count: 2.0\n"
    ),
    "a number longer than the field (maxLength applies to strings only)": (
        b"inverter: " + b"9" * 101 + b"\nbatteries:\n  - model: LL-S\n"
    ),
    "an integer written in YAML 1.1 octal (a schema sees the number YAML made of 010)": (
        b"batteries:\n  - model: LL-S\n    count: 010\n"
    ),
    "an integer written in base 60 (a schema sees the 60 YAML 1.1 made of 1:00)": (
        b"batteries:\n  - model: LL-S\n    id: 1:00\n"
    ),
}


@pytest.mark.parametrize("data", GAPS.values(), ids=list(GAPS))
def test_known_gaps_stay_known(data: bytes) -> None:
    findings = api.check(api.SpecSource("gap.yaml", data)).findings
    assert [f.code for f in findings if f.is_error] == ["E002"]
    assert schema_errors(data) == []
