"""The change list is a procedure a crew can do in the order printed: replayed on a model of
the rack as found, no slot ever holds two batteries, no firmware step follows a move, every
battery that moves is out before any is placed, and the rack at the end is what
`plan --fix` writes (for a bank beyond its address range, which `plan --fix` refuses: the
corrected order, less the batteries that leave the bank)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.bank import cables
from generator.bank.analysis import Analysis, analyse
from generator.bank.catalog import default_catalog
from generator.bank.changes import (
    CableWork,
    Change,
    Commission,
    LeaveBank,
    Place,
    ReadFirmware,
    SetId,
    Stage,
    TakeOut,
    UpdateFirmware,
    Verb,
)
from generator.bank.fix import fix_spec
from generator.bank.replay import UNKNOWN, Rack, Unsafe, replay
from generator.bank.spec import parse_spec
from tests.bank_strategies import battery_entry, pins
from tests.helpers import ROOT, WRONG_BANKS, analysis_of

CATALOG = default_catalog()
GALLERY = ROOT / "tests" / "gallery"
BANKS = (
    sorted(WRONG_BANKS.glob("*.yaml"))
    + sorted(GALLERY.glob("*wrong*.yaml"))
    + sorted(GALLERY.glob("support_*.yaml"))
)
STAGES = list(Stage)


def replayed(analysis: Analysis) -> tuple[list[Change], Rack]:
    steps = analysis.steps()
    strays = [
        wrong.index
        for wrong in cables.misplaced(
            [cable.between for cable in analysis.spec.cables or ()], analysis.spec.slots
        )
    ]
    return steps, replay(steps, analysis.as_found, strays)


def check_procedure(analysis: Analysis) -> Rack | None:
    """Replay the change list; check its stages and its end against the corrected spec."""
    steps = analysis.steps()
    if not steps:
        return None
    stages = [step.stage for step in steps]
    if Stage.STOP in stages:  # a battery no re-work can address (E101, E111): nothing else
        assert set(stages) == {Stage.STOP} and not analysis.installable
        with pytest.raises(Unsafe, match="cannot be planned"):
            replay(steps, analysis.as_found)
        return None
    assert stages == sorted(stages, key=STAGES.index), "stages out of order"
    kinds = [type(action) for step in steps for action in step.actions]
    if TakeOut in kinds or LeaveBank in kinds:
        first_move = min(kinds.index(k) for k in (TakeOut, LeaveBank) if k in kinds)
        for late in (UpdateFirmware, ReadFirmware):
            assert late not in kinds[first_move:], "firmware after a move"
    if Place in kinds:  # every battery that moves is out before the first is placed
        assert TakeOut not in kinds[kinds.index(Place) :]
    assert kinds[-1] is Commission
    _steps, rack = replayed(analysis)
    assert rack.commissioned
    end = [analysis.as_found.battery_from(battery) for battery in rack.order()]
    fixed = fix_spec(analysis.spec, [], CATALOG)
    if fixed.text is None:  # beyond the address range: plan --fix refuses, the sheet does not
        assert [f.code for f in fixed.blocking] == ["E105"]
        remaining = [b for b in analysis.plan.batteries if not b.leaves]
        assert [b.was_at for b in remaining] == rack.order()
        assert {b.was_at for b in analysis.plan.batteries if b.leaves} == rack.gone
        return rack
    written = yaml.safe_load(fixed.text)
    expected = [
        (entry["model"], entry.get("serial"))
        for entry in written["batteries"]
        for _ in range(int(entry.get("count", 1)))
    ]
    assert [(b.model.name if b else None, b.serial if b else None) for b in end] == [
        (CATALOG.find(model).name, serial)  # type: ignore[union-attr]
        for model, serial in expected
    ]
    ids = [
        entry.get("id") for entry in written["batteries"] for _ in range(int(entry.get("count", 1)))
    ]
    for position, (battery, written_id) in enumerate(zip(rack.order(), ids, strict=True), 1):
        assert rack.ids[battery] == position
        assert written_id in (None, position)
    if "cables" in written:
        by_upper = {min(c["between"]): frozenset(c["pins"]) for c in written["cables"]}
        assert {u: p for u, p in rack.cables.items() if p is not None} == by_upper
    else:
        assert set(rack.cables.values()) <= {UNKNOWN, frozenset(cables.SIGNAL_PINS)}
    return rack


@pytest.mark.parametrize("path", BANKS, ids=[p.stem for p in BANKS])
def test_every_wrong_bank_replays_to_the_corrected_spec(path: Path) -> None:
    analysis = analysis_of(path)
    assert check_procedure(analysis) is not None or not analysis.installable


def test_a_support_case_is_done_in_stages() -> None:
    """The scrambled eight: firmware before the re-rack, all seven batteries out before any
    goes in, addresses of batteries that stay too, every cable kept or replaced by name."""
    analysis = analysis_of(GALLERY / "support_scrambled_eight.yaml")
    steps = analysis.steps()
    titles = list(dict.fromkeys(step.stage.value for step in steps))
    assert titles == [
        "Make safe",
        "Firmware, before anything moves",
        "Re-rack: take out every battery that moves, then place them top down",
        "Addresses",
        "Cables, by their positions after the re-rack",
        "Commissioning",
    ]
    texts = [str(step.text) for step in steps]
    assert texts[3].startswith("Update the LL-V1 (serial LL1-2104-0092) at position 5 from")
    assert "Take out the LL-S (serial LLS2409-1187) from position 4." in texts
    assert "Put the LL-S (serial LLS2409-1187) into position 1; connect its DC cables." in texts
    verbs = [a.verb for step in steps for a in step.actions if isinstance(a, CableWork)]
    assert verbs.count(Verb.KEEP) == 5 and verbs.count(Verb.REPLACE) == 2
    # The two full cables 2-3 and 3-4 stay: after the re-rack they join new-generation
    # batteries only (the "error whose fix says keep it" is gone).
    assert (
        "Keep the cables between positions 2–3 and 3–4 as found (all 8 pins): each will join "
        "two new-generation batteries." in texts
    )
    assert not [f for f in analysis.findings if f.code in ("E106", "E107") and f.position in (2, 3)]


def test_the_replay_catches_a_slot_taken_twice() -> None:
    """The model of the rack is not vacuous: placing before taking out fails, and so does
    firmware after a move."""
    analysis = analysis_of(GALLERY / "support_six.yaml")
    steps = analysis.steps()
    lls_out = next(n for n, s in enumerate(steps) if "Take out the LL-S" in str(s.text))
    lls_in = next(n for n, s in enumerate(steps) if "Put the LL-S" in str(s.text))
    rest = [s for n, s in enumerate(steps[4:], 4) if n not in (lls_out, lls_in)]
    swapped = [*steps[:4], steps[lls_out], steps[lls_in], *rest]  # the LL-V1 is still in 1
    with pytest.raises(Unsafe, match="still taken"):
        replay(swapped, analysis.as_found)
    late = [*steps[:3], *steps[4:-1], steps[3], steps[-1]]
    with pytest.raises(Unsafe, match="firmware after a battery has moved"):
        replay(late, analysis.as_found)
    unaddressed = [s for s in steps if not any(isinstance(a, SetId) for a in s.actions)]
    with pytest.raises(Unsafe, match="has ID"):
        replay(unaddressed, analysis.as_found)


@st.composite
def wrong_bank(draw: st.DrawFn) -> str:
    """A random bank, up to 20 batteries (so beyond the 15 and 16 of the 4-switch tables)."""
    batteries = draw(st.lists(battery_entry, min_size=2, max_size=20))
    if draw(st.booleans()):  # a long run of one old model: beyond its address range
        batteries += [{"model": draw(st.sampled_from(["LifePower4", "LL-V1"]))}] * draw(
            st.integers(10, 18)
        )
    data: dict[str, object] = {"batteries": batteries}
    if draw(st.booleans()):
        uppers = draw(st.lists(st.integers(1, len(batteries) - 1), unique=True, max_size=40))
        listed = [{"between": [u, u + 1], "pins": draw(pins)} for u in sorted(uppers)]
        if draw(st.booleans()):  # a stray or repeated cable
            listed.append(
                {"between": [1, draw(st.integers(1, len(batteries) + 2))], "pins": [7, 8]}
            )
        data["cables"] = listed
    return yaml.safe_dump(data, sort_keys=False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wrong_bank())
def test_random_wrong_banks_replay_to_the_corrected_spec(text: str) -> None:
    spec, shape = parse_spec(text.encode(), "bank.yaml")
    assert spec is not None and not shape
    check_procedure(analyse(spec, CATALOG))


def test_the_sheet_and_the_bill_of_materials_agree_on_every_cable() -> None:
    """The cables that stay are in place, the new ones are to bring: the Bring line counts
    the cables the change list replaces or adds, and the firmware-update cable."""
    from generator.bank.changes import bring

    analysis = analysis_of(GALLERY / "support_scrambled_eight.yaml")
    assert str(bring(analysis.steps())) == (
        "2 × Neighbour cable, pins 7 and 8 only; the firmware-update cable (PC to battery, RS485)."
    )
    lines = [(line.quantity, line.item) for line in analysis.plan.bom() if "cable" in line.kind]
    assert lines == [
        (3, "Neighbour cable, standard Cat5e patch (in place)"),
        (2, "Neighbour cable, pins 7 and 8 only (in place)"),
        (2, "Neighbour cable, pins 7 and 8 only (to bring)"),
        (1, "Firmware-update cable (PC to battery, RS485)"),
    ]
    # The corrected cable table and plan --fix give each cable the pins it will really have.
    fixed = yaml.safe_load(fix_spec(analysis.spec, [], CATALOG).text or "")
    written = {min(c["between"]): tuple(c["pins"]) for c in fixed["cables"]}
    assert {run.upper: run.pins for run in analysis.plan.cables} == written
