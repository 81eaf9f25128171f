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
from generator.bank.plan import InstallPlan, PlannedBattery
from generator.bank.spec import parse_spec
from tests.helpers import WRONG_BANKS, analysis_of

CATALOG = default_catalog()
WRONG = sorted(WRONG_BANKS.glob("*.yaml"))

MOVE = re.compile(
    r"move the (?P<model>.+?) at position (?P<was>\d+) to position (?P<pos>\d+) and "
    r"set ID (?P<id>\d+) \((?P<dip>[^)]*)\)"
)
SETTING = re.compile(r"set ID (?P<id>\d+) \((?P<dip>[^)]*)\)")
NO_ADDRESS = re.compile(r"it would need ID (?P<id>\d+), beyond")
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
            assert move["model"] == battery.model.name, hint
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
            ids_seen += 1
        for beyond in NO_ADDRESS.finditer(hint):
            battery = corrected(plan, finding.position or 0)
            assert int(beyond["id"]) == battery.id and battery.dip is None, hint
            ids_seen += 1
        assert len(ANY_ID.findall(hint)) == ids_seen, f"an ID no check covers: {hint}"
        for cable in CABLE.finditer(hint):
            upper = int(cable["upper"] or cable["kept_upper"])
            run = plan.cable_at(upper)
            assert run is not None and analysis.bank.complete, hint
            assert (cable["wanted"] or cable["kept"]) == cables.KINDS[run.kind].wanted, hint
            ids_seen += 1
        checked += ids_seen
    return checked


STEP = re.compile(
    r"^(?:Move the (?P<model>.+?)(?: \(serial [^)]*\))? from position (?P<was>\d+) to "
    r"position (?P<pos>\d+)|Leave the (?P<left>.+?)(?: \(serial [^)]*\))? at position "
    r"(?P<at>\d+)); set ID (?P<id>\d+)(?: \(was ID \d+\))?: (?P<dip>.+)\.$"
)


def check_changes(analysis: Analysis) -> None:
    """Each move or ID step of the change list is the corrected plan's, and none is missing."""
    plan = analysis.plan
    stepped = set()
    for step in analysis.changes:
        match = STEP.match(step)
        if match is None:
            continue
        was = int(match["was"] or match["at"])
        battery = corrected(plan, was)
        position = int(match["pos"] or match["at"])
        assert (position, int(match["id"]), match["dip"]) == (
            battery.position,
            battery.id,
            battery.dip_words,
        ), step
        stepped.add(was)
    for battery in plan.batteries:
        moved = battery.position != battery.was_at
        wrong_id = battery.found_id is not None and battery.found_id != battery.id
        assert (battery.was_at in stepped) == (moved or wrong_id), battery


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
    assert sorted((c.position, c.id, c.words) for c in cards) == [
        (b.position, b.id, b.dip_words) for b in plan.batteries
    ]
    assert [(row.position, row.id, row.model) for row in view.checklist] == [
        (b.position, b.id, b.model.name) for b in plan.batteries
    ]
    assert [(row.upper, row.label) for row in view.cables] == [
        (run.upper, run.label) for run in plan.cables
    ]
    if analysis.shows_changes:
        assert view.changes is not None and view.changes.steps == analysis.changes


NAMES = [model.name for model in CATALOG.models]
battery_entry = st.fixed_dictionaries(
    {"model": st.sampled_from(NAMES)},
    optional={
        "id": st.integers(min_value=0, max_value=20),
        "firmware": st.sampled_from(["Z02T12", "Z01T16", "V15P15", "V3.37", "X9"]),
        "serial": st.from_regex(r"[A-Z]{2}[0-9]{3}", fullmatch=True),
    },
)
pins = st.sampled_from([[7, 8], [1, 2, 3, 4, 5, 6, 7, 8], [7], [1, 2, 7, 8], [3, 6, 7, 8], []])


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
