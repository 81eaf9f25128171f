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
from generator.bank.diagnostics import Finding, Location
from generator.company import Company
from generator.sheet import findings, title, view
from generator.sheet.figures.rack import Marks, rack_drawing
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
    shown = findings.finding_view(finding, Marks())
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
    batteries = {1: (3,), 2: (1,), 3: (4,), 4: (4,), 5: (4, 8), 6: (2,)}  # 4: IDs not given
    assert {p: n for p, n in marks.batteries.items() if n} == batteries
    assert marks.cables == {1: (1, 3), 2: (1,), 3: (5,), 4: (6,), 5: (7,)}
    # A wrong master's error points to both moves: the new master up, the old one away.
    [wrong_master] = [f for f in analysis.findings if f.code == "E102"]
    assert findings.finding_view(wrong_master, marks).see == "changes 1 and 3 above."
    svg = rack_drawing(analysis.as_found, 3.6, 6.0, marks).svg
    drawn = sorted(int(n) for n in re.findall(r'fill="#fff">(\d+)</text>', svg))
    assert drawn == sorted(
        n for group in [*marks.batteries.values(), *marks.cables.values()] for n in group
    )


def test_a_cable_that_joins_no_neighbours_is_removed() -> None:
    """E109 names the change that takes the stray cable out (it is not in the drawing)."""
    analysis = analysis_of(ROOT / "tests" / "wrong_banks" / "missing_and_bad_cables.yaml")
    steps = [str(step.text) for step in analysis.steps()]
    assert steps[:2] == [
        "Set the IDs of the batteries at positions 1, 2, 3 and 4, which the spec does not "
        "give, as in the DIP switch table.",
        "Remove the cable between positions 2 and 4: a cable joins only two neighbours.",
    ]
    marks = findings.found_marks(analysis, analysis.steps())
    [stray] = [f for f in analysis.findings if f.code == "E109"]
    assert findings.finding_view(stray, marks).see == "change 2 above."
    assert stray.hint == "name two adjacent positions counted from the top, e.g. 'between: [2, 3]'"


def test_a_bank_no_rearranging_can_install_says_so_in_change_1() -> None:
    analysis = analysis_of(ROOT / "tests" / "wrong_banks" / "too_large.yaml")
    assert not analysis.installable
    first = analysis.steps()[0]
    assert first.battery == 16 and str(first.text) == (
        "Not solved by rearranging: the bank has 16 batteries, but the LifePower4 (position 2) "
        "allows IDs only up to 15, so LifePower4 at position 16 gets no address. Before "
        "installing, split the rack into banks of at most 15 batteries, or build a larger bank "
        "from LL-S and LL-V2 (6 DIP) only (up to 64)."
    )
    built = view.sheet_view(analysis, "too_large.yaml")
    assert built.changes is not None and not built.changes.installable
    assert analysis_of(EVERYTHING_WRONG).installable


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
    from generator.sheet import fit

    quote = "Q-2026-0317-REV-B-FINAL-APPROVED"
    narrow = fit.width("Q-2026-0317-REV-B-", 9)  # room for about half of it on a line
    assert fit.wrap(quote, narrow, 9) == ["Q-2026-0317-REV-B-", "FINAL-APPROVED"]
    shrunk = fit.fit(quote, narrow, (12.0, 9.0), 2)
    assert shrunk.size == 9.0 and "".join(shrunk.lines) == quote
    cut = fit.fit(quote * 4, narrow, (9.0,), 2)
    assert len(cut.lines) == 2 and cut.lines[-1].endswith("…")
    assert all(fit.width(line, 9) <= narrow for line in cut.lines)
