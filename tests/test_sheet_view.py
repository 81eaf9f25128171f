"""What the sheet says and draws, read from the view and the figures (no PDF rendered)."""

from __future__ import annotations

import base64
import re
import textwrap
from pathlib import Path

import pytest

from generator import api
from generator.bank import words
from generator.bank.analysis import Analysis
from generator.bank.changes import Stage
from generator.bank.diagnostics import Finding, Location
from generator.company import Company
from generator.sheet import findings, title, view
from generator.sheet.figures.rack import rack_drawing
from tests.helpers import EXAMPLE, ROOT, analysis_of

EVERYTHING_WRONG = ROOT / "tests" / "wrong_banks" / "everything_wrong.yaml"
RECT = re.compile(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"')
TEXT = re.compile(r'<text x="([\d.]+)" y="([\d.]+)" font-size="([\d.]+)"[^>]*>([^<]*)</text>')


def analysis_from(text: str) -> Analysis:
    checked = api.check(api.SpecSource("bank.yaml", textwrap.dedent(text).encode()))
    assert checked.analysis is not None
    return checked.analysis


def bank(*models: str) -> Analysis:
    lines = "".join(f"  - model: {model}\n" for model in models)
    return analysis_from("batteries:\n" + lines)


def test_caution_names_the_last_multipack_battery_and_the_breaker_of_an_ll_s() -> None:
    assert str(words.caution(bank("LL-S", "LL-V2 (4 DIP)", "LL-V1").plan)) == (
        "From the LL-V2 (4 DIP) at position 2, the last multipack battery, down through every "
        "older battery, the cables between positions 2–3 must have ONLY pins 7 and 8 "
        "populated. If pins 3 or 6 carry a signal, the LL-S trips its breaker. A cable "
        "missing pin 7 or 8 carries no communication."
    )


def test_caution_without_an_ll_s_mentions_no_breaker() -> None:
    caution = str(words.caution(bank("LL-V2 (6 DIP)", "LifePower4", "LifePower4").plan))
    assert caution.startswith(
        "From the LL-V2 (6 DIP) at position 1, the last multipack battery, down through every "
        "older battery, the cables between positions 1–2, 2–3 must have ONLY pins 7 and 8"
    )
    assert "breaker" not in caution and "LL-S" not in caution


def test_firmware_stage_gives_the_bms_tools_address_only_where_sources_do() -> None:
    six = str(words.tools_address(bank("LL-V2 (6 DIP)", "LL-V1").plan.models))
    assert six == (
        "Set the DIP switches of each LL-V2 (6 DIP) to all 6 switches ON (ID 64), the address "
        "BMS Tools needs. Our sources do not give that address for the LL-V1: follow BMS "
        "Tools' own instructions."
    )
    inferred = str(words.tools_address(bank("LL-S").plan.models))
    assert inferred == (
        "Set the DIP switches of each LL-S to all 6 switches ON (ID 64), the address BMS Tools "
        "needs (inferred for the LL-S, as its table is)."
    )
    four = str(words.tools_address(bank("LL-V2 (4 DIP)", "LifePower4").plan.models))
    assert four == (
        "Our sources do not give the address BMS Tools needs for the LL-V2 (4 DIP) and "
        "LifePower4: follow BMS Tools' own instructions."
    )


def test_commissioning_takes_ports_and_protocol_from_the_master_model() -> None:
    texts = [str(step.text) for step in words.commissioning_steps(bank("LL-V2 (6 DIP)").plan)]
    assert (
        "Connect the master (ID 1, at the top) to the inverter through its RS485 or CAN port."
        in texts
    )
    assert (
        "Choose the inverter protocol on the master's screen as the LL-V2 (6 DIP) manual says "
        "(hold Return for 5 seconds); it is not set with DIP switches."
    ) in texts
    unknown = [str(step.text) for step in words.commissioning_steps(bank("LL-S").plan)]
    assert "Connect the master (ID 1, at the top) to the inverter, as their manuals say." in unknown
    assert not any("Return" in text or "CAN" in text for text in unknown)


def test_a_finding_names_the_spec_file_not_its_folder() -> None:
    finding = Finding("E102", "wrong", Location("/home/sam/customers/bank.yaml", 3, 5), "fix")
    shown = findings.finding_view(finding)
    assert shown.where == "bank.yaml, line 3, column 5"


def boxes_and_texts(
    svg: str,
) -> tuple[list[tuple[float, ...]], list[tuple[float, float, float, str]]]:
    boxes = [tuple(map(float, match)) for match in RECT.findall(svg)]
    texts = [(float(x), float(y), float(size), text) for x, y, size, text in TEXT.findall(svg)]
    return boxes, texts


@pytest.mark.parametrize("spec", [EXAMPLE, ROOT / "tests" / "gallery" / "sixty_four.yaml"])
def test_the_id_is_the_largest_text_in_each_rack_box(spec: Path) -> None:
    drawing = rack_drawing(analysis_of(spec).plan, 7.2, 8.0)
    boxes, texts = boxes_and_texts(drawing.svg)
    ids = [text for text in texts if text[3].startswith("ID ")]
    assert len(ids) == len(analysis_of(spec).plan.batteries)
    for x, y, size, label in ids:
        box = next(b for b in boxes if b[0] <= x <= b[0] + b[2] and b[1] <= y <= b[1] + b[3])
        inside = [
            t
            for t in texts
            if box[0] <= t[0] <= box[0] + box[2] and box[1] <= t[1] <= box[1] + box[3]
        ]
        assert all(other[2] < size for other in inside if other[3] != label), (label, inside)
        assert size >= 11


def test_as_found_marks_every_fault_with_its_change_number() -> None:
    """Wrong master, wrong IDs, breaker pins, a pin-7-only cable, a missing cable and wrong
    firmware each carry the number of the change that fixes them; a cable that is only wrong
    where it stands now carries the numbers of the moves."""
    analysis = analysis_of(EVERYTHING_WRONG)
    marks = findings.found_marks(analysis, analysis.steps())
    # 4: the LL-V1's firmware; 6-8: taken out; 12, 14: their new IDs where the spec gives
    # the old one; 15: the IDs of those that stay, which the spec does not give.
    batteries = {1: (6,), 2: (7,), 3: (15,), 4: (15,), 5: (4, 15), 6: (8,)}
    assert {p: n for p, n in marks.batteries.items() if n} == batteries
    # The full cable 1-2 is right once the LifePower4 (6) and the LL-S (7) are out; 2-3 stays.
    assert marks.cables == {1: (6, 7), 2: (), 3: (16,), 4: (17,), 5: (18,)}
    # A wrong master's error points to both moves: the old master out, the new one in.
    [wrong_master] = [f for f in analysis.findings if f.code == "E102"]
    assert findings.finding_view(wrong_master, analysis.fixing(wrong_master)).see == (
        "changes 6 and 9 above."
    )
    fixes = {f.code + str(f.position): analysis.fixing(f) for f in analysis.findings}
    assert fixes["E104" + "2"] == (12,) and fixes["E110" + "5"] == (4,)
    assert fixes["W201" + "6"] == (10,) and fixes["W202" + "1"] == (5,)
    svg = rack_drawing(analysis.as_found, 3.6, 6.0, marks).svg
    drawn = sorted(int(n) for n in re.findall(r'fill="#fff">(\d+)</text>', svg))
    assert drawn == sorted(
        n for group in [*marks.batteries.values(), *marks.cables.values()] for n in group
    )


def test_a_cable_that_joins_no_neighbours_is_removed() -> None:
    """E109 names the change that takes the stray cable out (it is not in the drawing)."""
    analysis = analysis_of(ROOT / "tests" / "wrong_banks" / "missing_and_bad_cables.yaml")
    steps = [str(step.text) for step in analysis.steps()]
    assert steps[3:5] == [
        "Set the IDs of the batteries at positions 1, 2, 3 and 4, which the spec does not "
        "give, as 3 · DIP switches shows.",
        "Remove the cable between positions 2 and 4: a cable joins only two neighbours.",
    ]
    [stray] = [f for f in analysis.findings if f.code == "E109"]
    assert findings.finding_view(stray, analysis.fixing(stray)).see == "change 5 above."
    assert stray.hint == "name two adjacent positions counted from the top, e.g. 'between: [2, 3]'"


def test_a_bank_beyond_its_address_range_takes_the_extra_battery_out() -> None:
    """No rearranging gives a 16th battery an address in a bank with a LifePower4: the
    re-rack takes it out of this bank, and it gets no ID anywhere."""
    analysis = analysis_of(ROOT / "tests" / "wrong_banks" / "too_large.yaml")
    assert analysis.installable
    steps = analysis.steps()
    [out] = [step for step in steps if step.stage is Stage.RERACK]
    assert out.battery == 16 and str(out.text) == (
        "Take the LifePower4 out of this bank, from position 16: with the LifePower4 in the "
        "bank, IDs end at 15. It goes into another bank."
    )
    [finding] = [f for f in analysis.findings if f.code == "E105"]
    assert analysis.fixing(finding) == (steps.index(out) + 1,)
    built = view.sheet_view(analysis, "too_large.yaml")
    assert built.changes is not None and built.changes.installable
    assert not any("ID 16" in str(step.text) for step in steps)
    assert [row.id for row in built.checklist][-2:] == [15, None]
    cards = [card for group in built.dip_groups for card in group.cards]
    assert cards[-1].id is None and cards[-1].value == "TAKE OUT OF THIS BANK"
    assert [cable.upper for cable in built.cables][-1] == 14  # the bank ends at 15


def test_title_block_keeps_its_height_whatever_is_typed() -> None:
    empty = bank("LL-S").plan
    longest = analysis_of(ROOT / "tests" / "gallery" / "longest_fields.yaml").plan
    company = Company("A" * 200, "B " * 100, "(512) 555-0142", "TECL 34567")
    short = title.title_block(empty, "bank.yaml", 532.8, None)
    full = title.title_block(longest, "bank.yaml", 516.2, company)
    assert short.img.height == full.img.height
    text = base64.b64decode(full.img.url.split(",", 1)[1]).decode()
    assert text.count("…") >= 7  # every job field and the company name were cut short


def test_text_is_fitted_by_shrinking_then_cutting() -> None:
    """Lines break at spaces only: a word too long for its box is cut with an ellipsis (and
    the fitting says so), never broken after a hyphen (issue 18, point 7)."""
    from generator.sheet import fit

    quote = "Q-2026-0317-REV-B-FINAL-APPROVED"
    narrow = fit.width("Q-2026-0317-REV-B-", 9)  # room for about half of it on a line
    assert fit.wrap(quote, narrow, 9) == [quote]  # whole, on a line of its own
    assert fit.wrap(f"Quote {quote} rev 2", narrow, 9) == ["Quote", quote, "rev 2"]
    shrunk = fit.fit("Q-2026-0317 REV-B-FINAL", narrow, (12.0, 9.0), 2)
    assert shrunk == fit.Fitted(12.0, ("Q-2026-0317", "REV-B-FINAL"))  # each word fits
    cut = fit.fit(quote, narrow, (12.0, 9.0), 2)
    assert cut.cut and cut.lines == (fit.clip(quote, narrow, 9.0),)
    assert cut.lines[0].startswith("Q-2026-0317-REV") and cut.lines[0].endswith("…")
    cut = fit.fit(quote * 4, narrow, (9.0,), 2)
    assert cut.cut and len(cut.lines) == 1 and cut.lines[-1].endswith("…")
    assert all(fit.width(line, 9) <= narrow for line in cut.lines)
    licence = fit.fit("(512)\u00a0555-0142 · License TECL\u00a034567", 60, (7.0,), 3)
    assert licence.lines == ("(512) 555-0142 ·", "License", "TECL 34567")


def test_a_cut_field_is_printed_in_full_in_the_job_block() -> None:
    """The title block says which fields it cut; page 1's job block then gives every job
    field in full, the company too when its block was cut, each word kept whole where it
    fits its column."""
    longest = analysis_of(ROOT / "tests" / "gallery" / "longest_fields.yaml").plan
    company = Company("A" * 200, "B " * 100, "(512) 555-0142", "TECL 34567")
    block = title.title_block(longest, "bank.yaml", 516.2, company)
    assert set(block.cut) >= {"title", "customer", "site", "quote", "company"}
    lines = {line.label: line for line in title.job_block(longest, "x", company, block, 300)}
    job = longest.job
    for label, value in [("Title", job.title), ("Site", job.site), ("Quote", job.quote)]:
        assert value is not None
        assert " ".join(word for word, _whole in lines[label].words) == " ".join(value.split())
    assert (
        "Q-2026-0317-REV-B-FINAL-APPROVED-BY-CUSTOMER-AND-UTILITY-INTERCONNECTION-DESK-",
        False,
    ) in lines["Quote"].words  # wider than 300 pt: it may break
    assert ("(512) 555-0142", True) in lines["Company"].words
    assert ("TECL 34567", True) in lines["Company"].words
    short = bank("LL-S").plan
    plain = title.title_block(short, "bank.yaml", 532.8, None)
    assert plain.cut == () and title.job_block(short, "x", None, plain, 300) == ()


FOUND_BANKS = sorted((ROOT / "tests" / "wrong_banks").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "gallery").glob("support_*.yaml")
)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("spec", FOUND_BANKS, ids=[p.stem for p in FOUND_BANKS])
def test_as_found_keeps_every_serial(spec: Path, lang: str) -> None:
    """MASTER, NO ADDRESS and the change marks never take a serial's place in the As found
    drawing: each serial stands whole on its line, in every language."""
    from generator.bank.i18n import language

    analysis = analysis_of(spec)
    with language(lang):
        marks = findings.found_marks(analysis, analysis.steps())
        svg = rack_drawing(
            analysis.as_found, 3.6, 1.0 + 0.47 * len(analysis.plan.batteries), marks
        ).svg
    lines = [text for *_xy, text in boxes_and_texts(svg)[1]]
    for battery in analysis.as_found.batteries:
        if battery.serial:
            assert any(line.split(" · ")[0] == battery.serial for line in lines), battery.serial


def test_rack_text_is_set_from_its_start_and_still_centred() -> None:
    """No text-anchor (WeasyPrint makes every text set on its middle or end a PDF image of its
    own): the position numbers are moved by half their width, and stand centred left of their
    battery's box as before; MASTER still ends inside the master's box."""
    from generator.sheet.figures.rack import POS_W, PT
    from generator.sheet.fit import advance

    svg = rack_drawing(analysis_of(EXAMPLE).plan, 7.2, 8.0).svg
    assert "text-anchor" not in svg
    boxes, texts = boxes_and_texts(svg)
    battery_boxes = [b for b in boxes if b[3] > 20 and b[0] > POS_W * PT / 2]
    numbers = [t for t in texts if t[3].isdigit() and t[2] == 13]
    assert [t[3] for t in numbers] == [str(n) for n in range(1, len(numbers) + 1)]
    for x, y, size, number in numbers:
        box = next(b for b in battery_boxes if b[1] <= y <= b[1] + b[3])
        centre = x + advance(number, size, bold=True) / 2
        assert abs(centre - (box[0] - POS_W * PT / 2)) < 0.1, number
    [(x, _y, size, _text)] = [t for t in texts if t[3] == "MASTER"]
    master = next(b for b in battery_boxes if b[1] <= _y <= b[1] + b[3])
    end = x + advance("MASTER", size, bold=True)
    assert master[0] < x and end < master[0] + master[2]


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        ("Take out the LL-V2 (4 DIP) (serial LV2-4-2207-0155) from position 2.", "LV2-4-2207-0155"),
        ("Saque la LifePower4 (n.º de serie LP4-2011-3310) de la posición 1.", "LP4-2011-3310"),
        ("the LL-S (serial LL-S-0042) at position 1", "LL-S-0042"),  # a model name inside
    ],
)
def test_a_serial_in_a_sentence_is_kept_on_one_line(sentence: str, kept: str) -> None:
    """The sheet's sentences (findings, change steps) never break a serial after a hyphen."""
    from generator.sheet.render import keep_states

    html = str(keep_states(sentence))
    # The serial's characters all stand in one no-break span (a model name inside may have
    # its own), closed just before the parenthesis.
    kept_span = re.search(
        r'<span class="nobr">((?:[^<]|<span class="nobr">[^<]*</span>)*)</span>\)', html
    )
    assert kept_span is not None, html
    assert re.sub(r"<[^>]+>", "", kept_span[1]) == kept
