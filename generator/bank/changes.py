"""What support tells a customer to change, in order: moves, IDs, cables, firmware, in words.

Every step compares the bank as found with the one corrected plan; the cable steps ask the
cable module what is wrong with each cable as found.
"""

from __future__ import annotations

from generator.bank import cables
from generator.bank.cables import Fault
from generator.bank.plan import CableRun, InstallPlan, PlannedBattery


def battery_name(battery: PlannedBattery) -> str:
    """'the LifePower4 (serial LP4-2011-3310)': by serial where known, so it can be found."""
    serial = f" (serial {battery.serial})" if battery.serial else ""
    return f"the {battery.model.name}{serial}"


def changes(found: InstallPlan, corrected: InstallPlan) -> list[str]:
    """The numbered list on the As found / Corrected page, in the order to do them."""
    steps: list[str] = []
    for battery in corrected.batteries:
        moved = battery.was_at != battery.position
        wrong_id = battery.found_id is not None and battery.found_id != battery.id
        was = f" (was ID {battery.found_id})" if battery.found_id is not None else ""
        set_id = f"set ID {battery.id}{was}: {battery.dip_words}"
        if moved:
            steps.append(
                f"Move {battery_name(battery)} from position {battery.was_at} to "
                f"position {battery.position}; {set_id}."
            )
        elif wrong_id:
            steps.append(f"Leave {battery_name(battery)} at position {battery.position}; {set_id}.")
    as_found = {cable.upper: cable.found_pins for cable in found.cables}
    for cable in corrected.cables:
        step = _cable_step(cable, as_found.get(cable.upper), found.cables_listed, corrected)
        if step:
            steps.append(step)
    for battery in corrected.batteries:
        if battery.firmware_ok is False:
            steps.append(
                f"Update {battery_name(battery)} at position {battery.position} from "
                f"firmware {battery.firmware_installed} to "
                f"{' or '.join(battery.model.firmware)} with BMS Tools."
            )
    return steps


def _cable_step(
    cable: CableRun, pins: frozenset[int] | None, listed: bool, corrected: InstallPlan
) -> str | None:
    where = f"between positions {cable.upper} and {cable.lower}"
    wanted = cables.KINDS[cable.kind].wanted
    breakers = cables.breaker_models(corrected.models)
    if not listed:
        if cable.kind != cables.RESTRICTED:
            return None
        why = (
            f"a signal on {cables.pin_list(cables.breaker_pins(corrected.models), 'or')} trips the "
            f"{' and '.join(model.name for model in breakers)} breaker"
            if breakers
            else "only pins 7 and 8 may be populated"
        )
        return f"Use {wanted} {where}: in the mixed part of the bank {why}."
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
