"""What the support desk page shows that the JSON API does not: findings in the words of the
page's form, and the correction as the sheet draws it (both racks at one scale, the As found
rack with the numbered marks of the change list)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from generator import api
from generator.bank.analysis import Analysis
from generator.bank.diagnostics import Finding
from generator.bank.gathered import NOT_GIVEN, firmware_not_given_once
from generator.bank.i18n import Msg, _

# The form's label of each field a hint may ask for (static/page.html and app.js label the
# inputs with the same words; a browser test holds the two together).
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
