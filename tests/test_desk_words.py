"""What the support desk page says beside the JSON API: hints in the words of its form, a
fresh bank's "firmware not given" once, the corrected bank that keeps the firmware found,
and the correction drawn as the sheet draws it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator import api
from generator.server.desk import FORM_WORDS, correction, desk_findings
from generator.sheet.view import sheet_view
from tests.helpers import EXAMPLE, WRONG_BANKS, analysis_of, findings_for

YAML_WORDS = re.compile(r"'\w+:|\w+: \[")  # 'firmware:', between: [5, 6]
BANKS = [EXAMPLE, *sorted(WRONG_BANKS.glob("*.yaml"))]


@pytest.mark.parametrize("path", BANKS, ids=lambda path: path.stem)
def test_no_hint_on_the_desk_names_a_yaml_key(path: Path) -> None:
    shown, _ = desk_findings(findings_for(path.read_text(), path.name))
    assert [f.hint for f in shown if f.hint and YAML_WORDS.search(f.hint)] == []


def test_every_form_wording_replaces_a_hint_the_rules_still_give() -> None:
    """A reworded rule must not leave its YAML hint on the desk (nor a stale entry here)."""
    given = set()
    for path in BANKS:
        given |= {f.hint_text.template for f in findings_for(path.read_text()) if f.hint_text}
    stray = (
        "batteries:\n  - model: LL-S\n  - model: LL-V1\n"
        "cables:\n  - {between: [3, 4], pins: [7, 8]}\n"
    )
    typed = "batteries:\n  - model: LL-S\n    id: x\n"
    given |= {f.hint_text.template for f in findings_for(typed) if f.hint_text}
    given |= {f.hint_text.template for f in findings_for(stray) if f.hint_text}
    assert set(FORM_WORDS) - {"write e.g. 'between: [4, 5]'"} <= given


def test_a_fresh_bank_hears_firmware_not_given_once() -> None:
    fresh = "batteries:\n  - model: LL-S\n  - model: LL-V2 (4 DIP)\n    count: 2\n"
    shown, once = desk_findings(findings_for(fresh))
    assert [f.code for f in shown] == ["W202"] and once is shown[0]
    assert once.message == (
        "installed firmware is not given for 3 batteries (positions 1, 2, 3): the checklist "
        "leaves it to be filled in"
    )
    assert once.hint == (
        "read each battery's firmware in BMS Tools and fill in its “Firmware installed”"
    )
    one = "batteries:\n  - model: LL-S\n    firmware: Z02T12\n  - model: LL-V1\n"
    (single,), none = desk_findings(findings_for(one))
    assert none is None
    assert (
        single.hint
        == "read it in BMS Tools and fill in “Firmware installed”; the LL-V1 needs V15P15"
    )


def test_the_corrected_bank_for_the_form_keeps_the_firmware_found() -> None:
    source = api.read_spec(WRONG_BANKS / "everything_wrong.yaml")
    kept = api.fix(source, keep_firmware=True)
    assert kept.text is not None, kept.blocking
    assert "firmware: V15P14" in kept.text
    errors = [f for f in api.check(api.SpecSource("bank.yaml", kept.text.encode())).findings]
    assert [f.code for f in errors if f.is_error] == ["E110"]  # what is left: the update
    for serial in ("LP4-2011-3310", "LLS2409-1187", "LL1-2104-0092", "LV2-6-2312-0458"):
        assert f"serial: {serial}" in kept.text
    plain = api.fix(source)
    assert plain.text is not None and "firmware: V15P14" not in plain.text  # plan --fix as before


def test_the_desk_marks_the_as_found_rack_as_the_sheet_does() -> None:
    analysis = analysis_of(WRONG_BANKS / "everything_wrong.yaml")
    drawn = correction(analysis)
    view = sheet_view(analysis, "everything_wrong.yaml")
    assert view.changes is not None
    import base64

    sheet_svg = base64.b64decode(view.changes.found.url.split(",", 1)[1]).decode()
    marks = re.compile(r'fill="#fff">(\d+)</text>')
    assert marks.findall(drawn.as_found) == marks.findall(sheet_svg) != []
    assert drawn.changes == [text for stage in view.changes.stages for _n, text in stage.steps]
    assert drawn.stages == [(stage.title, list(stage.steps)) for stage in view.changes.stages]


def test_a_value_the_form_cannot_take_is_named_by_its_label() -> None:
    (wrong,) = [
        f
        for f in desk_findings(findings_for("batteries:\n  - model: LL-S\n    id: x\n"))[0]
        if f.code == "E002"
    ]
    assert wrong.message == "“ID set” of battery at position 1 must be a whole number, not 'x'"
    assert wrong.hint == "type a number from 0 to 64"
