"""What the support desk page says beside the JSON API: hints in the words of its form, a
fresh bank's "firmware not given" once, the corrected bank that keeps the firmware found,
and the correction drawn as the sheet draws it."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator import api
from generator.bank.limits import MAX_COUNT
from generator.bank.paper import DEFAULT_PAPER, PAPERS
from generator.bank.pins import ALL_PINS
from generator.bank.spec import JOB
from generator.bank.yamlsrc import MAX_BYTES
from generator.bounded import MAX_SHEET_BYTES
from generator.server import desk
from generator.server.desk import FORM_LABELS, FORM_WORDS, correction, desk_findings
from generator.server.page import render_page
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


class FormOfPage(HTMLParser):
    """What the page's form is made of: job fields, paper options, the count box."""

    def __init__(self) -> None:
        super().__init__()
        self.job: list[str] = []
        self.papers: list[tuple[str, bool]] = []
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.in_paper = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if "data-job" in found:
            self.job.append(str(found["data-job"]))
        if found.get("id"):
            self.attrs[str(found["id"])] = found
        if tag == "select":
            self.in_paper = found.get("id") == "paper"
        elif tag == "option" and self.in_paper:
            self.papers.append((str(found["value"]), "selected" in found))


def test_the_page_form_is_made_from_the_specs_definitions() -> None:
    form = FormOfPage()
    form.feed(render_page().decode())
    assert sorted(form.job) == sorted(JOB.names)
    assert form.papers == [(name, name == DEFAULT_PAPER) for name in PAPERS]
    count = form.attrs["add-count"]
    assert (count["min"], count["max"]) == ("1", str(MAX_COUNT))
    assert json.loads(str(form.attrs["batteries"]["data-labels"])) == FORM_LABELS
    assert form.attrs["cables"]["data-pins"] == " ".join(map(str, sorted(ALL_PINS)))
    limits = form.attrs["load-file"]
    assert (limits["data-spec-bytes"], limits["data-sheet-bytes"]) == (
        str(MAX_BYTES),
        str(MAX_SHEET_BYTES),
    )


def test_the_page_writes_no_markup_from_its_facts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's form is autoescaped: a label is text, even one that looks like markup."""
    monkeypatch.setitem(desk.JOB_LABELS, "lang", "<b>Sheet</b> 'language'")
    monkeypatch.setitem(desk.FORM_LABELS, "count", "Count' onclick='x")
    page = render_page().decode()
    assert "&lt;b&gt;Sheet&lt;/b&gt; &#39;language&#39;" in page and "<b>" not in page
    form = FormOfPage()
    form.feed(page)
    assert json.loads(str(form.attrs["batteries"]["data-labels"]))["count"] == "Count' onclick='x"
    assert "onclick" not in form.attrs["batteries"]
