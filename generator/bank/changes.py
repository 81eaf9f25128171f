"""What support tells a customer to change, in order: moves, IDs, cables, firmware, in words.

Every step compares the bank as found with the one corrected plan; the cable steps ask the
cable module what is wrong with each cable as found. Each step also says which battery or
cable of the bank as found it concerns, so the As found drawing can mark it with the step's
number.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.bank import cables
from generator.bank.cables import Fault
from generator.bank.plan import CableRun, InstallPlan, PlannedBattery
from generator.bank.spec import RackPosition


@dataclass(frozen=True)
class Change:
    """One numbered step of the change list and what it concerns in the bank as found."""

    text: str
    battery: RackPosition | None = None  # the battery's position as found
    cables: tuple[RackPosition, ...] = ()  # the upper position of each cable it concerns


def battery_name(battery: PlannedBattery) -> str:
    """'the LifePower4 (serial LP4-2011-3310)': by serial where known, so it can be found."""
    serial = f" (serial {battery.serial})" if battery.serial else ""
    return f"the {battery.model.name}{serial}"


def changes(found: InstallPlan, corrected: InstallPlan) -> list[str]:
    """The numbered list on the As found / Corrected page, in the order to do them."""
    return [change.text for change in change_steps(found, corrected)]


def change_steps(found: InstallPlan, corrected: InstallPlan) -> list[Change]:
    """The change list with what each step concerns, in the order to do them."""
    steps: list[Change] = []
    for battery in corrected.batteries:
        moved = battery.was_at != battery.position
        wrong_id = battery.found_id is not None and battery.found_id != battery.id
        was = f" (was ID {battery.found_id})" if wrong_id else ""
        set_id = f"set ID {battery.id}{was}: {battery.dip_words}"
        if moved:
            text = (
                f"Move {battery_name(battery)} from position {battery.was_at} to "
                f"position {battery.position}; {set_id}."
            )
            steps.append(Change(text, battery=battery.was_at))
        elif wrong_id:
            text = f"Leave {battery_name(battery)} at position {battery.position}; {set_id}."
            steps.append(Change(text, battery=battery.was_at))
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
            text = (
                f"Update {battery_name(battery)} at position {battery.position} from "
                f"firmware {battery.firmware_installed} to "
                f"{' or '.join(battery.model.firmware)} with BMS Tools."
            )
            steps.append(Change(text, battery=battery.was_at))
    return steps


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
        f"a signal on {cables.pin_list(cables.breaker_pins(corrected.models), 'or')} trips the "
        f"{' and '.join(model.name for model in breakers)} breaker"
        if breakers
        else "only pins 7 and 8 may be populated"
    )
    wanted = cables.KINDS[cables.RESTRICTED].wanted
    steps = []
    for run in runs:
        if len(run) == 1:
            where = f"between positions {run[0].upper} and {run[0].lower}"
        else:
            pairs = [f"{cable.upper}–{cable.lower}" for cable in run]
            where = f"between positions {', '.join(pairs[:-1])} and {pairs[-1]}"
        text = f"Use {wanted} {where}: in the mixed part of the bank {why}."
        steps.append(Change(text, cables=tuple(cable.upper for cable in run)))
    return steps


def _cable_step(cable: CableRun, pins: frozenset[int] | None, corrected: InstallPlan) -> str | None:
    where = f"between positions {cable.upper} and {cable.lower}"
    wanted = cables.KINDS[cable.kind].wanted
    breakers = cables.breaker_models(corrected.models)
    wrong = cables.faults(pins, cable.kind, cables.breaker_pins(corrected.models))
    if not wrong:
        return None
    first = wrong[0]
    if first.fault is Fault.MISSING:
        return f"Add {wanted} {where}: none is there, so no communication passes."
    if first.fault is Fault.NO_SIGNAL:
        missing = " and ".join(str(pin) for pin in sorted(first.pins))
        return (
            f"Replace the cable {where} with {wanted}: it lacks pin {missing}, "
            "so no communication passes."
        )
    if first.fault is Fault.BREAKER:
        owners = " and ".join(model.name for model in breakers)
        return (
            f"Replace the cable {where} with {wanted}: its {cables.pin_list(first.pins)} "
            f"would trip the {owners} breaker."
        )
    others = ", ".join(str(pin) for pin in sorted(first.pins))
    return (
        f"Replace the cable {where} with {wanted}: pins {others} must be empty in the "
        "mixed part of the bank."
    )
