"""What support tells a customer to change: moves, IDs, cables, firmware, in words."""

from __future__ import annotations

from generator.bank.plan import CableRun, InstallPlan, PlannedBattery
from generator.bank.rules import BREAKER_PINS, SIGNAL_PINS


def battery_name(battery: PlannedBattery) -> str:
    """'the LifePower4 (serial LP4-2011-3310)': by serial where known, so it can be found."""
    serial = f" (serial {battery.serial})" if battery.serial else ""
    return f"the {battery.model.name}{serial}"


def corrections(found: InstallPlan, corrected: InstallPlan) -> list[str]:
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
    found_cables = {cable.upper: cable.found_pins for cable in found.cables}
    for cable in corrected.cables:
        step = _cable_step(cable, found_cables.get(cable.upper), listed=found.cables_listed)
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


def _cable_step(cable: CableRun, pins: frozenset[int] | None, listed: bool) -> str | None:
    where = f"between positions {cable.upper} and {cable.lower}"
    restricted = cable.kind == "pins-7-8-only"
    wanted = (
        "a cable with only pins 7 and 8 populated" if restricted else "a standard Cat5e patch cable"
    )
    if not listed:
        if restricted:
            return (
                f"Use {wanted} {where}: in the mixed part of the bank a signal on pins 3 or 6 "
                "trips the LL-S breaker."
            )
        return None
    if not pins:
        return f"Add {wanted} {where}: none is there, so no communication passes."
    if not pins >= SIGNAL_PINS:
        missing = " and ".join(str(p) for p in sorted(SIGNAL_PINS - pins))
        return (
            f"Replace the cable {where} with {wanted}: it lacks pin {missing}, "
            "so no communication passes."
        )
    if restricted and pins & BREAKER_PINS:
        return (
            f"Replace the cable {where} with {wanted}: its pins 3 and 6 would trip the LL-S "
            "breaker."
        )
    if restricted and pins != SIGNAL_PINS:
        others = ", ".join(str(p) for p in sorted(pins - SIGNAL_PINS))
        return (
            f"Replace the cable {where} with {wanted}: pins {others} must be empty in the "
            "mixed part of the bank."
        )
    return None
