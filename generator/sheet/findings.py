"""Findings as the sheet prints them, and which change of the change list fixes each.

On a sheet with a change list, the As found drawing marks each battery and cable with the
numbers of the changes that concern it, and a finding points to those numbers instead of
saying its fix twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from generator.bank import cables
from generator.bank.analysis import Analysis
from generator.bank.changes import Change
from generator.bank.diagnostics import ABOUT_BATTERY, ABOUT_CABLE, Finding
from generator.bank.i18n import N_, _, join, ngettext
from generator.sheet.figures.rack import Marks

SEVERITY = {"error": N_("error"), "warning": N_("warning")}


@dataclass(frozen=True)
class FindingView:
    severity: str
    code: str
    message: str
    hint: str | None
    where: str
    see: str | None = None  # on a sheet with a change list: the changes that fix it


def _numbers(
    steps: Sequence[Change], battery: int | None = None, cable: int | None = None
) -> tuple[int, ...]:
    """The numbers of the change steps that concern a battery or a cable as found."""
    found = []
    for number, step in enumerate(steps, start=1):
        if (battery is not None and battery in (step.battery, *step.batteries)) or (
            cable is not None and cable in step.cables
        ):
            found.append(number)
    return tuple(found)


def found_marks(analysis: Analysis, steps: Sequence[Change]) -> Marks:
    """Which change steps to mark on each battery and cable of the bank as found. A cable
    that is wrong only where it stands now (the batteries beside it move) gets the numbers
    of those moves."""
    found, plan = analysis.as_found, analysis.plan
    batteries = {b.position: _numbers(steps, battery=b.position) for b in found.batteries}
    moves = {  # a moved battery's first step is its move
        b.was_at: _numbers(steps, battery=b.was_at)[:1]
        for b in plan.batteries
        if b.was_at != b.position
    }
    breakers = cables.breaker_pins(found.models)
    marked: dict[int, tuple[int, ...]] = {}
    for cable in found.cables:
        own = _numbers(steps, cable=cable.upper)
        wrong_here = found.cables_listed and bool(
            cables.faults(cable.found_pins, cable.kind, breakers)
        )
        if not own and wrong_here:
            own = tuple(sorted(moves.get(cable.upper, ()) + moves.get(cable.lower, ())))
        marked[cable.upper] = own
    removed: dict[int, tuple[int, ...]] = {}
    for number, step in enumerate(steps, start=1):
        if step.removes is not None:
            removed[step.removes] = (*removed.get(step.removes, ()), number)
    return Marks(batteries, marked, removed, plan.batteries[0].was_at if plan.batteries else None)


def warning_views(warnings: list[Finding], marks: Marks) -> tuple[FindingView, ...]:
    """Warnings for the sheet; many 'firmware not given' become one line, so a large bank's
    real warnings are not buried (the CLI and JSON still list every one)."""
    missing = [f for f in warnings if f.code == "W202"]
    if len(missing) <= 3:  # each said alone; on paper the fix is the checklist, not the spec
        fill_in = _("read its firmware in BMS Tools and write it in the checklist")
        return tuple(
            replace(finding_view(f, marks), hint=fill_in)
            if f.code == "W202"
            else finding_view(f, marks)
            for f in warnings
        )
    positions = ", ".join(str(f.position) for f in missing)
    summary = FindingView(
        _(SEVERITY["warning"]),
        "W202",
        ngettext(
            "installed firmware is not given for {count} battery "
            "(position {positions}): the checklist leaves it to be filled in",
            "installed firmware is not given for {count} batteries "
            "(positions {positions}): the checklist leaves it to be filled in",
            len(missing),
        ).format(count=len(missing), positions=positions),
        _("read each battery's firmware in BMS Tools and write it in the checklist"),
        Path(missing[0].location.file).name,
    )
    return (summary, *(finding_view(f, marks) for f in warnings if f.code != "W202"))


def finding_view(finding: Finding, marks: Marks) -> FindingView:
    """A finding for the sheet: where it is by file name only (a folder is nobody's business
    on a customer's PDF). On a sheet with a change list, a finding points to the changes
    marked on the battery or cable it concerns instead of saying them twice."""
    where = _("{file}, line {line}, column {column}").format(
        file=Path(finding.location.file).name,
        line=finding.location.line,
        column=finding.location.column,
    )
    numbers: tuple[int, ...] = ()
    if finding.position is not None and finding.code == "E109":
        numbers = marks.removed.get(finding.position, ())
    elif finding.position is not None and finding.code in ABOUT_CABLE:
        numbers = marks.cables.get(finding.position, ())
    elif finding.position is not None and finding.code in ABOUT_BATTERY:
        numbers = marks.batteries.get(finding.position, ())
        if finding.code == "E102" and marks.master_from is not None:  # the new master's move too
            moved_up = marks.batteries.get(marks.master_from, ())[:1]
            numbers = tuple(sorted(set(numbers) | set(moved_up)))
    see = None
    if len(numbers) == 1:
        see = _("change {number} above.").format(number=numbers[0])
    elif numbers:
        see = _("changes {numbers} above.").format(
            numbers=join([str(n) for n in numbers]).render(_)
        )
    return FindingView(
        _(SEVERITY[str(finding.severity)]),
        finding.code,
        finding.message_in(_),
        finding.hint_in(_),
        where,
        see,
    )
