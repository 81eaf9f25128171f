"""What support tells a customer to change, in order: moves, IDs, cables, firmware, in words.

Every step compares the bank as found with the one corrected plan; the cable steps ask the
cable module what is wrong with each cable as found. Each step also says which battery or
cable of the bank as found it concerns, so the As found drawing can mark it with the step's
number. The words are `Msg` values, printed in the reader's language where they are printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.bank import cables
from generator.bank.cables import Fault, Listing, Misplaced
from generator.bank.diagnostics import Finding
from generator.bank.i18n import N_, Msg, Plural, join
from generator.bank.plan import CableRun, InstallPlan, PlannedBattery
from generator.bank.spec import RackPosition


@dataclass(frozen=True)
class Change:
    """One numbered step of the change list and what it concerns in the bank as found."""

    text: Msg  # printed in the sheet's language; str() is the English
    battery: RackPosition | None = None  # the battery's position as found
    cables: tuple[RackPosition, ...] = ()  # the upper position of each cable it concerns
    removes: RackPosition | None = None  # a listed cable that cannot be there, by its upper end
    batteries: tuple[RackPosition, ...] = ()  # a step for several batteries, as found


def battery_name(battery: PlannedBattery) -> Msg:
    """'the LifePower4 (serial LP4-2011-3310)': by serial where known, so it can be found."""
    if battery.serial:
        return Msg("the {model} (serial {serial})", model=battery.model.name, serial=battery.serial)
    return Msg("the {model}", model=battery.model.name)


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
            Msg(
                "set ID {id} (was ID {was}): {switches}",
                id=battery.id,
                was=battery.found_id,
                switches=battery.switch_words,
            )
            if wrong_id
            else Msg("set ID {id}: {switches}", id=battery.id, switches=battery.switch_words)
        )
        if moved:
            text = N_("Move {battery} from position {was} to position {position}; {set_id}.")
            steps.append(Change(_fill(text, battery, set_id), battery=battery.was_at))
        elif wrong_id:
            text = N_("Leave {battery} at position {position}; {set_id}.")
            steps.append(Change(_fill(text, battery, set_id), battery=battery.was_at))
    unset = [
        b.position
        for b in corrected.batteries
        if b.was_at == b.position and b.found_id is None and b.id is not None
    ]
    if unset:  # they stay where they are; the spec does not say what their switches show
        set_ids = Plural(
            "Set the ID of the battery at position {positions}, which the spec does not give, "
            "as in the DIP switch table.",
            "Set the IDs of the batteries at positions {positions}, which the spec does not give, "
            "as in the DIP switch table.",
            len(unset),
            positions=join([str(p) for p in unset]),
        )
        steps.append(Change(set_ids, batteries=tuple(unset)))
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
            update = Msg(
                "Update {battery} at position {position} from firmware {installed} to "
                "{required} with BMS Tools.",
                battery=battery_name(battery),
                position=battery.position,
                installed=battery.firmware_installed,
                required=join(list(battery.model.firmware), "or"),
            )
            steps.append(Change(update, battery=battery.was_at))
    return steps


def _fill(template: str, battery: PlannedBattery, set_id: Msg) -> Msg:
    return Msg(
        template,
        battery=battery_name(battery),
        was=battery.was_at,
        position=battery.position,
        set_id=set_id,
    )


def _unsolved_step(finding: Finding) -> Change:
    """An error no rearranging removes (a bank beyond its address range, an unknown model)."""
    text = Msg(
        "Not solved by rearranging: {problem}. Before installing, {fix}.",
        problem=finding.text or finding.message,
        fix=finding.hint_text or finding.hint,
    )
    return Change(text, battery=finding.position)


def _removal(cable: Misplaced) -> Msg:
    if cable.why is Listing.SECOND:
        return Msg(
            "Remove the second cable listed between positions {upper} and {lower}.",
            upper=cable.upper,
            lower=cable.lower,
        )
    return Msg(
        "Remove the cable between positions {upper} and {lower}: a cable joins only "
        "two neighbours.",
        upper=cable.upper,
        lower=cable.lower,
    )


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
        Msg(
            "a signal on {pins} trips the {models} breaker",
            pins=cables.pin_words(cables.breaker_pins(corrected.models), "or"),
            models=_every([model.name for model in breakers]),
        )
        if breakers
        else Msg("only pins 7 and 8 may be populated")
    )
    wanted = Msg(cables.KINDS[cables.RESTRICTED].wanted)
    steps = []
    for run in runs:
        if len(run) == 1:
            where = _between(run[0])
        else:
            pairs = [f"{cable.upper}–{cable.lower}" for cable in run]
            where = Msg("between positions {pairs}", pairs=join(pairs))
        text = Msg(
            "Use {wanted} {where}: in the mixed part of the bank {why}.",
            wanted=wanted,
            where=where,
            why=why,
        )
        steps.append(Change(text, cables=tuple(cable.upper for cable in run)))
    return steps


def _every(names: list[str]) -> Msg:
    """'A', 'A and B', 'A and B and C': every name joined by the word 'and'."""
    if len(names) <= 1:
        return Msg("{only}", only=names[0] if names else "")
    return Msg("{first} and {last}", first=_every(names[:-1]), last=names[-1])


def _between(cable: CableRun) -> Msg:
    return Msg("between positions {upper} and {lower}", upper=cable.upper, lower=cable.lower)


def _cable_step(cable: CableRun, pins: frozenset[int] | None, corrected: InstallPlan) -> Msg | None:
    where = _between(cable)
    wanted = Msg(cables.KINDS[cable.kind].wanted)
    breakers = cables.breaker_models(corrected.models)
    wrong = cables.faults(pins, cable.kind, cables.breaker_pins(corrected.models))
    if not wrong:
        return None
    first = wrong[0]
    if first.fault is Fault.MISSING:
        return Msg(
            "Add {wanted} {where}: none is there, so no communication passes.",
            wanted=wanted,
            where=where,
        )
    if first.fault is Fault.NO_SIGNAL:
        return Msg(
            "Replace the cable {where} with {wanted}: it lacks pin {missing}, "
            "so no communication passes.",
            where=where,
            wanted=wanted,
            missing=_every([str(pin) for pin in sorted(first.pins)]),
        )
    if first.fault is Fault.BREAKER:
        return Msg(
            "Replace the cable {where} with {wanted}: its {pins} would trip the {owners} breaker.",
            where=where,
            wanted=wanted,
            pins=cables.pin_words(first.pins),
            owners=_every([model.name for model in breakers]),
        )
    return Msg(
        "Replace the cable {where} with {wanted}: pins {others} must be empty in the "
        "mixed part of the bank.",
        where=where,
        wanted=wanted,
        others=", ".join(str(pin) for pin in sorted(first.pins)),
    )
