"""One corrected plan: every position, ID, switch state and cable that a hint, the change list
or the sheet gives a battery is what the correction gives it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.bank import cables
from generator.bank.analysis import Analysis, analyse
from generator.bank.catalog import default_catalog
from generator.bank.changes import Place, SetId
from generator.bank.plan import InstallPlan, PlannedBattery
from generator.bank.spec import parse_spec
from tests.bank_strategies import battery_entry, pins
from tests.helpers import ROOT, WRONG_BANKS, analysis_of

CATALOG = default_catalog()
WRONG = sorted(WRONG_BANKS.glob("*.yaml")) + sorted(
    (ROOT / "tests" / "gallery").glob("support_*.yaml")
)

MOVE = re.compile(
    r"move the (?P<model>.+?)(?: \(serial (?P<serial>[^)]*)\))? at position (?P<was>\d+) to "
    r"position (?P<pos>\d+) and "
    r"set ID (?P<id>\d+) \((?P<dip>[^)]*)\)"
)
SETTING = re.compile(r"set ID (?P<id>\d+) \((?P<dip>[^)]*)\)")
KEEPS = re.compile(r"it keeps position (?P<pos>\d+) and ID (?P<id>\d+)")
NO_ADDRESS = re.compile(r"take it out of this bank: see the bank size error")
ANY_ID = re.compile(r"\bID \d+")
CABLE = re.compile(
    r"(?:replace it with|add|take) (?P<wanted>an? [^,]+?) between positions "
    r"(?P<upper>\d+) and (?P<lower>\d+)|positions (?P<kept_upper>\d+) and \d+ take "
    r"(?P<kept>an? [^,]+?), which this cable is"
)


def corrected(plan: InstallPlan, was_at: int) -> PlannedBattery:
    battery = plan.battery_from(was_at)
    assert battery is not None, was_at
    return battery


def check_hints(analysis: Analysis) -> int:
    """Assert every instruction in every hint; return how many were checked."""
    plan = analysis.plan
    checked = 0
    for finding in analysis.findings:
        hint = finding.hint or ""
        ids_seen = 0
        spans = []
        for move in MOVE.finditer(hint):
            battery = corrected(plan, int(move["was"]))
            assert (move["model"], move["serial"]) == (battery.model.name, battery.serial), hint
            assert (int(move["pos"]), int(move["id"])) == (battery.position, battery.id), hint
            assert move["dip"] == battery.dip_words, hint
            spans.append(move.span())
            ids_seen += 1
        for setting in SETTING.finditer(hint):
            if any(start <= setting.start() < end for start, end in spans):
                continue  # the setting part of a move, checked above
            battery = corrected(plan, finding.position or 0)
            assert battery.position == battery.was_at, f"a battery that moves: {hint}"
            assert (int(setting["id"]), setting["dip"]) == (battery.id, battery.dip_words), hint
            assert battery.found_id != battery.id, f"an ID the battery already has: {hint}"
            ids_seen += 1
        for keeps in KEEPS.finditer(hint):
            battery = corrected(plan, finding.position or 0)
            assert int(keeps["pos"]) == battery.position == battery.was_at, hint
            assert int(keeps["id"]) == battery.id == battery.found_id, hint
            ids_seen += 1
        for _beyond in NO_ADDRESS.finditer(hint):
            battery = corrected(plan, finding.position or 0)
            assert battery.leaves and battery.dip is None, hint
        assert len(ANY_ID.findall(hint)) == ids_seen, f"an ID no check covers: {hint}"
        for cable in CABLE.finditer(hint):
            upper = int(cable["upper"] or cable["kept_upper"])
            run = plan.cable_at(upper)
            assert run is not None and analysis.bank.complete, hint
            assert (cable["wanted"] or cable["kept"]) == cables.KINDS[run.kind].wanted, hint
            ids_seen += 1
        checked += ids_seen
    return checked


SET = re.compile(
    r"^Set the (?P<model>.+?)(?: \(serial [^)]*\))? at position (?P<at>\d+) to ID "
    r"(?P<id>\d+)(?: \(was ID \d+\))?: (?P<dip>.+)\.$"
)
PUT = re.compile(r"^Put the (?P<model>.+?)(?: \(serial [^)]*\))? into position (?P<pos>\d+);")


def check_changes(analysis: Analysis) -> None:
    """Each place and address step of the change list is the corrected plan's (its words and
    its actions alike), and none is missing: every battery that moves is placed, every
    battery whose ID changes (or is not given) gets it."""
    plan = analysis.plan
    placed, addressed = set(), set()
    for step in analysis.steps():
        for action in step.actions:
            if isinstance(action, Place):
                battery = corrected(plan, action.battery)
                match = PUT.match(str(step.text))
                assert match, step.text
                assert (
                    (match["model"], int(match["pos"]))
                    == (
                        battery.model.name,
                        battery.position,
                    )
                    == (battery.model.name, action.slot)
                ), step.text
                placed.add(action.battery)
            elif isinstance(action, SetId):
                battery = corrected(plan, action.battery)
                assert (action.slot, action.id) == (battery.position, battery.id), step.text
                match = SET.match(str(step.text))
                if match:
                    assert (int(match["at"]), int(match["id"]), match["dip"]) == (
                        battery.position,
                        battery.id,
                        battery.dip_words,
                    ), step.text
                addressed.add(action.battery)
    for battery in plan.batteries:
        if battery.leaves:
            assert battery.was_at not in placed | addressed, battery
            continue
        assert (battery.was_at in placed) == (battery.position != battery.was_at), battery
        assert (battery.was_at in addressed) == (battery.found_id != battery.id), battery


@pytest.mark.parametrize("path", WRONG, ids=[p.stem for p in WRONG])
def test_hints_and_changes_follow_the_correction(path: Path) -> None:
    analysis = analysis_of(path)
    assert analysis.findings
    check_hints(analysis)
    check_changes(analysis)


def test_the_wrong_banks_give_instructions_to_check() -> None:
    """The checks above are not vacuous: the wrong banks carry many instructions."""
    assert sum(check_hints(analysis_of(path)) for path in WRONG) >= 25


@pytest.mark.slow
@pytest.mark.parametrize("path", WRONG, ids=[p.stem for p in WRONG])
def test_the_sheet_follows_the_correction(path: Path) -> None:
    """The DIP page, the rack and the checklist are the corrected plan's."""
    from generator.sheet.view import sheet_view

    analysis = analysis_of(path)
    view = sheet_view(analysis, path.name)
    plan = analysis.plan
    cards = [card for group in view.dip_groups for card in group.cards]
    assert sorted((c.position, c.id or 0, c.words) for c in cards) == [
        (b.position, 0 if b.leaves else b.id, b.dip_words) for b in plan.batteries
    ]
    # A battery beyond the address range leaves the bank: no ID in the checklist or the DIP
    # section; the cable table lists each cable with the pins it will really have.
    assert [(row.position, row.id, row.model) for row in view.checklist] == [
        (b.position, None if b.leaves else b.id, b.model.name) for b in plan.batteries
    ]
    assert [(row.upper, row.restricted) for row in view.cables] == [
        (run.upper, run.kind == cables.RESTRICTED) for run in plan.cables
    ]
    if analysis.shows_changes:
        assert view.changes is not None
        steps = [step for stage in view.changes.stages for step in stage.steps]
        assert steps == list(enumerate(analysis.changes, start=1))


@st.composite
def wrong_bank(draw: st.DrawFn) -> str:
    batteries = draw(st.lists(battery_entry, min_size=2, max_size=18))
    data: dict[str, object] = {"batteries": batteries}
    if draw(st.booleans()):
        uppers = draw(st.lists(st.integers(1, len(batteries) - 1), unique=True, max_size=17))
        data["cables"] = [{"between": [u, u + 1], "pins": draw(pins)} for u in sorted(uppers)]
    return yaml.safe_dump(data, sort_keys=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrong_bank())
def test_random_wrong_banks_follow_the_correction(text: str) -> None:
    spec, shape = parse_spec(text.encode(), "bank.yaml")
    assert spec is not None and not shape
    analysis = analyse(spec, CATALOG)
    check_hints(analysis)
    check_changes(analysis)
