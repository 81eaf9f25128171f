"""What support tells a customer to change, in order: moves, IDs, cables, firmware, in words.

Every step compares the bank as found with the one corrected plan; the cable steps ask the
cable module what is wrong with each cable as found. Each step also says which battery or
cable of the bank as found it concerns, so the As found drawing can mark it with the step's
number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.bank import cables
from generator.bank.cables import Fault, Listing, Misplaced
from generator.bank.diagnostics import Finding
from generator.bank.i18n import _, join, ngettext
from generator.bank.plan import CableRun, InstallPlan, PlannedBattery
from generator.bank.spec import RackPosition


@dataclass(frozen=True)
class Change:
    """One numbered step of the change list and what it concerns in the bank as found."""

    text: str
    battery: RackPosition | None = None  # the battery's position as found
    cables: tuple[RackPosition, ...] = ()  # the upper position of each cable it concerns
    removes: RackPosition | None = None  # a listed cable that cannot be there, by its upper end
    batteries: tuple[RackPosition, ...] = ()  # a step for several batteries, as found


def battery_name(battery: PlannedBattery) -> str:
    """'the LifePower4 (serial LP4-2011-3310)': by serial where known, so it can be found."""
    if battery.serial:
        return _("the {model} (serial {serial})").format(
            model=battery.model.name, serial=battery.serial
        )
    return _("the {model}").format(model=battery.model.name)


def change_steps(
    found: InstallPlan,
    corrected: InstallPlan,
    misplaced: Sequence[Misplaced] = (),
    unsolved: Sequence[Finding] = (),
) -> list[Change]:
    """The change list with what each step concerns, in the order to do them: first what
    rearranging cannot solve (the bank cannot be installed until it is), then moves and IDs,
    cables (listed cables that cannot be there come out first), firmware."""
    steps = [_unsolved_step(finding) for finding in unsolved]
    for battery in corrected.batteries:
        moved = battery.was_at != battery.position
        wrong_id = battery.found_id is not None and battery.found_id != battery.id
        set_id = (
            _("set ID {id} (was ID {was}): {switches}")
            if wrong_id
            else _("set ID {id}: {switches}")
        ).format(id=battery.id, was=battery.found_id, switches=battery.dip_words)
        if moved:
            text = _("Move {battery} from position {was} to position {position}; {set_id}.")
            steps.append(Change(_fill(text, battery, set_id), battery=battery.was_at))
        elif wrong_id:
            text = _("Leave {battery} at position {position}; {set_id}.")
            steps.append(Change(_fill(text, battery, set_id), battery=battery.was_at))
    unset = [
        b.position
        for b in corrected.batteries
        if b.was_at == b.position and b.found_id is None and b.id is not None
    ]
    if unset:  # they stay where they are; the spec does not say what their switches show
        text = ngettext(
            "Set the ID of the battery at position {positions}, which the spec does not give, "
            "as in the DIP switch table.",
            "Set the IDs of the batteries at positions {positions}, which the spec does not give, "
            "as in the DIP switch table.",
            len(unset),
        ).format(positions=join([str(p) for p in unset]).render(_))
        steps.append(Change(text, batteries=tuple(unset)))
    for wrong in misplaced:
        steps.append(Change(_removal(wrong), removes=wrong.upper))
    if found.cables_listed:
        as_found = {cable.upper: cable.found_pins for cable in found.cables}
        for cable in corrected.cables:
            step = _cable_step(cable, as_found.get(cable.upper), corrected)
            if step:
                steps.append(Change(step, cables=(cable.upper,)))
    else:
        steps += _unlisted_steps(corrected)
    for battery in corrected.batteries:
        if battery.firmware_ok is False:
            text = _(
                "Update {battery} at position {position} from firmware {installed} to "
                "{required} with BMS Tools."
            ).format(
                battery=battery_name(battery),
                position=battery.position,
                installed=battery.firmware_installed,
                required=join(list(battery.model.firmware), "or").render(_),
            )
            steps.append(Change(text, battery=battery.was_at))
    return steps


def _fill(text: str, battery: PlannedBattery, set_id: str) -> str:
    return text.format(
        battery=battery_name(battery),
        was=battery.was_at,
        position=battery.position,
        set_id=set_id,
    )


def _unsolved_step(finding: Finding) -> Change:
    """An error no rearranging removes (a bank beyond its address range, an unknown model)."""
    text = _("Not solved by rearranging: {problem}. Before installing, {fix}.").format(
        problem=finding.message_in(_), fix=finding.hint_in(_)
    )
    return Change(text, battery=finding.position)


def _removal(cable: Misplaced) -> str:
    if cable.why is Listing.SECOND:
        text = _("Remove the second cable listed between positions {upper} and {lower}.")
    else:
        text = _(
            "Remove the cable between positions {upper} and {lower}: a cable joins only "
            "two neighbours."
        )
    return text.format(upper=cable.upper, lower=cable.lower)


def _unlisted_steps(corrected: InstallPlan) -> list[Change]:
    """The spec lists no cables: say which kind each run of the mixed part must be, in one
    step for each run of neighbours (a long bank would otherwise get a step per cable)."""
    runs: list[list[CableRun]] = []
    for cable in corrected.cables:
        if cable.kind != cables.RESTRICTED:
            continue
        if runs and runs[-1][-1].upper == cable.upper - 1:
            runs[-1].append(cable)
        else:
            runs.append([cable])
    breakers = cables.breaker_models(corrected.models)
    why = (
        _("a signal on {pins} trips the {models} breaker").format(
            pins=cables.pin_words(cables.breaker_pins(corrected.models), "or").render(_),
            models=" {} ".format(_("and")).join(model.name for model in breakers),
        )
        if breakers
        else _("only pins 7 and 8 may be populated")
    )
    wanted = _(cables.KINDS[cables.RESTRICTED].wanted)
    steps = []
    for run in runs:
        if len(run) == 1:
            where = _between(run[0])
        else:
            pairs = [f"{cable.upper}–{cable.lower}" for cable in run]
            where = _("between positions {pairs}").format(pairs=join(pairs).render(_))
        text = _("Use {wanted} {where}: in the mixed part of the bank {why}.").format(
            wanted=wanted, where=where, why=why
        )
        steps.append(Change(text, cables=tuple(cable.upper for cable in run)))
    return steps


def _between(cable: CableRun) -> str:
    return _("between positions {upper} and {lower}").format(upper=cable.upper, lower=cable.lower)


def _cable_step(cable: CableRun, pins: frozenset[int] | None, corrected: InstallPlan) -> str | None:
    where = _between(cable)
    wanted = _(cables.KINDS[cable.kind].wanted)
    breakers = cables.breaker_models(corrected.models)
    wrong = cables.faults(pins, cable.kind, cables.breaker_pins(corrected.models))
    if not wrong:
        return None
    first = wrong[0]
    if first.fault is Fault.MISSING:
        text = _("Add {wanted} {where}: none is there, so no communication passes.")
        return text.format(wanted=wanted, where=where)
    and_ = " {} ".format(_("and"))
    if first.fault is Fault.NO_SIGNAL:
        missing = and_.join(str(pin) for pin in sorted(first.pins))
        text = _(
            "Replace the cable {where} with {wanted}: it lacks pin {missing}, "
            "so no communication passes."
        )
        return text.format(where=where, wanted=wanted, missing=missing)
    if first.fault is Fault.BREAKER:
        text = _(
            "Replace the cable {where} with {wanted}: its {pins} would trip the {owners} breaker."
        )
        return text.format(
            where=where,
            wanted=wanted,
            pins=cables.pin_words(first.pins).render(_),
            owners=and_.join(model.name for model in breakers),
        )
    others = ", ".join(str(pin) for pin in sorted(first.pins))
    text = _(
        "Replace the cable {where} with {wanted}: pins {others} must be empty in the "
        "mixed part of the bank."
    )
    return text.format(where=where, wanted=wanted, others=others)
