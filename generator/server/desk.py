"""What the support desk page shows that the JSON API does not: its form, made from the
spec's own definitions; findings in the words of that form; and the correction as the sheet
draws it (both racks at one scale, the As found rack with the numbered marks of the change
list)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from babel import Locale

from generator import api
from generator.bank.analysis import Analysis
from generator.bank.diagnostics import Finding
from generator.bank.fields import Choice, Key, Text
from generator.bank.gathered import NOT_GIVEN, firmware_not_given_once
from generator.bank.i18n import LOCALES, Msg, _
from generator.bank.paper import DEFAULT_PAPER, PAPERS
from generator.bank.pins import ALL_PINS
from generator.bank.spec import BATTERY, JOB, SPEC
from generator.server.config import MAX_BODY

# The form's label of each field a hint may ask for: the page is rendered with these (form()
# below) and app.js labels the battery fields with them, so a hint names what the form shows.
FIRMWARE_LABEL = "Firmware installed"
CABLES_LABEL = "Neighbour cables"
FILL_IN_EACH = "read each battery's firmware in BMS Tools and fill in its “{label}”"
# Hints that name YAML keys, by their English template, and the same hint in the words of
# the form (the values are the finding's own).
FORM_WORDS = {
    "read it in BMS Tools and add 'firmware:'; the {model} needs {needed}": (
        f"read it in BMS Tools and fill in “{FIRMWARE_LABEL}”; the {{model}} needs {{needed}}"
    ),
    "{hint}; if a cable is there, list it as 'between: [{upper}, {lower}]' with the pins it "
    "really has": (
        f"{{hint}}; if a cable is there, add it under “{CABLES_LABEL}”, between position "
        "{upper} and {lower}, with the pins it really has"
    ),
    "name two adjacent positions counted from the top, e.g. 'between: [{a}, {b}]'": (
        "give two neighbours counted from the top: “Between position” {a} and {b}"
    ),
    "write e.g. 'between: [4, 5]'": "give the upper position as a number, e.g. 4",
    "write a number from {low} to {high}, without quotes": "type a number from {low} to {high}",
}
# A message names a value by its key ("id of battery at position 1"); the form, by its label.
KEY_OF = "{key} of {what}"
FORM_LABELS = {
    "model": "Model",
    "count": "Count",
    "serial": "Serial",
    "id": "ID set",
    "firmware": FIRMWARE_LABEL,
}
# The form's label of a job field where it is not the key's name with a capital.
JOB_LABELS = {"lang": "Sheet language"}
UNSET = "as set up"  # a choice left empty: the company's default, else the sheet's own
PLACEHOLDERS = ("date",)  # job fields whose example shows how to write them
# Inches: the size the sheet gives each rack when the two stand side by side.
RACK_W, RACK_H = 3.6, 8.4


def desk_findings(findings: list[Finding]) -> tuple[list[Finding], Finding | None]:
    """The findings as the form shows them: hints that name the form's fields, not YAML
    keys; "firmware not given" said once for a bank where several batteries lack it (the
    sheet does the same). Returns the findings and that gathered one (shown for the whole
    bank, under no battery), if any."""
    worded = [_in_form_words(finding) for finding in findings]
    gathered = firmware_not_given_once(worded, FILL_IN_EACH.format(label=FIRMWARE_LABEL))
    once = next(
        (f for f in gathered if f.code == NOT_GIVEN and f not in worded),
        None,
    )
    return gathered, once


def _in_form_words(finding: Finding) -> Finding:
    said = finding.hint_text
    if said is not None and said.template in FORM_WORDS:
        hint = Msg(FORM_WORDS[said.template], **said.values)
        finding = replace(finding, hint=str(hint), hint_text=hint)
    if finding.text is not None:
        message = _labelled(finding.text)
        finding = replace(finding, message=str(message), text=message)
    return finding


def _labelled(said: Msg) -> Msg:
    """The message with each key it names ("id of …") given as the form's label."""
    values = {
        name: _labelled(value) if isinstance(value, Msg) else value
        for name, value in said.values.items()
    }
    key = values.get("key")
    if said.template == KEY_OF and isinstance(key, str) and key in FORM_LABELS:
        values["key"] = f"“{FORM_LABELS[key]}”"
    return Msg(said.template, **values)


@dataclass(frozen=True)
class Correction:
    as_found: str  # SVG
    corrected: str  # SVG
    changes: list[str]
    stages: list[tuple[str, list[tuple[int, str]]]]  # the sheet's stages: heading, steps


def correction(analysis: Analysis) -> Correction:
    """Both racks drawn to the same size budget at the same scale (1 unit = 1 pt), the As
    found one with the marks the sheet prints, and the change list their numbers refer to."""
    as_found, corrected = api.correction_racks(analysis, RACK_W, RACK_H)
    steps = analysis.change_list if analysis.shows_changes else ()
    stages: list[tuple[str, list[tuple[int, str]]]] = []
    for number, step in enumerate(steps, start=1):  # as the sheet's stage_views groups them
        title = _(step.stage.value)
        if not stages or stages[-1][0] != title:
            stages.append((title, []))
        stages[-1][1].append((number, str(step.text)))
    return Correction(as_found, corrected, list(analysis.changes), stages)


@dataclass(frozen=True)
class JobField:
    """One job field of the form: `line` (an input), `lines` (a text area) or `choice`."""

    key: str
    label: str
    kind: str
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, what the option says)


@dataclass(frozen=True)
class Form:
    """What the page's form needs to know, each fact read from its home (the spec's key
    definitions, the papers, the limits), written into the page when the server starts."""

    job: tuple[JobField, ...]
    papers: tuple[tuple[str, str], ...]  # (name, what the option says)
    paper: str  # the default
    inverter_example: str
    count_low: int
    count_high: int
    labels: dict[str, str]  # the label of each battery field (the hints name them too)
    cables_label: str
    pins: str  # the pins of a cable's plug, "1 2 … 8"
    spec_bytes: int  # a spec file the page sends as it is, at most
    sheet_bytes: int  # a sheet's PDF or a photo of one, at most

    def fields(self, kind: str) -> list[JobField]:
        return [field for field in self.job if field.kind == kind]


def _job_field(key: Key) -> JobField:
    label = JOB_LABELS.get(key.name, key.name.capitalize())
    if isinstance(key.shape, Choice):
        options = tuple((value, _option_words(key.name, value)) for value in key.shape.choices)
        return JobField(key.name, label, "choice", choices=(("", UNSET), *options))
    multiline = isinstance(key.shape, Text) and key.shape.multiline
    example = str(key.example) if key.name in PLACEHOLDERS else ""
    return JobField(key.name, label, "lines" if multiline else "line", example)


def _option_words(key: str, value: str) -> str:
    """A language by its own name (English, Español); any other choice as it is written."""
    if key == "lang":
        name = Locale.parse(LOCALES[value]).language_name or value
        return name[:1].upper() + name[1:]
    return value


def form() -> Form:
    """The form's facts: job fields in the spec's order, papers with the default, the
    bounds of a battery entry's count, the battery fields' labels, the upload limits."""
    count = BATTERY.whole("count")
    return Form(
        job=tuple(_job_field(key) for key in JOB),
        papers=tuple((name, name.capitalize()) for name in PAPERS),
        paper=DEFAULT_PAPER,
        inverter_example=str(SPEC["inverter"].example),
        count_low=count.low,
        count_high=count.high,
        labels=FORM_LABELS,
        cables_label=CABLES_LABEL,
        pins=" ".join(str(pin) for pin in sorted(ALL_PINS)),
        spec_bytes=MAX_BODY,
        sheet_bytes=api.MAX_SHEET_BYTES,
    )
