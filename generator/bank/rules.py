"""Compatibility rules of a mixed bank (domain.md), each a small function returning findings.

Every rule sees the whole bank as found and reports every battery it concerns; `check` runs
them all and never stops at the first finding. What a finding says is wrong comes from the
bank as found; every instruction its hint gives (a position, an ID, switch states, a cable)
comes from the one corrected plan, so the error list never contradicts the sheet, the change
list or `plan --fix`. Rules that need every battery's model (order, grouping, cable segments)
only run when every position in the rack is readable and known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import groupby, pairwise

from generator.bank import cables
from generator.bank.cables import Fault
from generator.bank.catalog import Catalog
from generator.bank.diagnostics import Finding, sort_findings
from generator.bank.plan import InstallPlan, PlannedBattery, corrected_plan
from generator.bank.rack import Bank, RackedBattery, resolve
from generator.bank.spec import BankSpec, CableEntry
from generator.bank.yamlsrc import shown

Rule = Callable[[Bank, InstallPlan], list[Finding]]


# --- instructions, from the corrected plan ----------------------------------------------


def setting(battery: PlannedBattery) -> str:
    """'set ID 3 (1 ON · 2 ON · 3 OFF · 4 OFF)': the one form every hint uses for an address."""
    if battery.dip is None:
        dip = battery.model.dip
        return (
            f"it would need ID {battery.id}, beyond the {battery.model.name}'s IDs "
            f"{dip.id_low}–{dip.id_high}: see the bank size error"
        )
    return f"set ID {battery.id} ({battery.dip_words})"


def move(battery: PlannedBattery) -> str:
    """'move the LL-S at position 3 to position 1 and set ID 1 (…)', or only the setting
    when it stays where it is."""
    if battery.was_at == battery.position:
        return setting(battery)
    return (
        f"move the {battery.model.name} at position {battery.was_at} to position "
        f"{battery.position} and " + setting(battery)
    )


def cable_hint(bank: Bank, plan: InstallPlan, upper: int, found: frozenset[int] | None) -> str:
    """What to do with the cable found between `upper` and `upper + 1`, as the corrected
    plan has it (batteries move, cables stay between the same two rack positions)."""
    colours = bank.catalog.wiring.colours
    signal = " and ".join(f"{pin} ({colours[pin]})" for pin in sorted(cables.SIGNAL_PINS))
    run = plan.cable_at(upper) if bank.complete else None
    if run is None:  # the bank cannot be planned yet (an unknown model): say only what is sure
        return f"use a cable with pins {signal} connected straight through"
    wanted = cables.KINDS[run.kind].wanted
    wrong = cables.faults(found, run.kind, cables.breaker_pins(bank.models))
    if not wrong:
        return (
            f"keep it: in the corrected order, positions {upper} and {upper + 1} take "
            f"{wanted}, which this cable is"
        )
    verb = "add" if found is None else "replace it with"
    return (
        f"{verb} {wanted} between positions {upper} and {upper + 1}, pins {signal} straight through"
    )


# --- the rules -------------------------------------------------------------------------


def master_is_newest(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E102: the battery on top must be the newest model in the bank."""
    if not bank.complete:
        return []
    top = bank.batteries[0]
    newest = min(bank.batteries, key=lambda battery: battery.model.rank)
    if newest.model.rank >= top.model.rank:
        return []
    master = plan.batteries[0]
    return [
        Finding(
            "E102",
            f"{top.label} is the master, but {newest.label} is newer",
            top.entry.at,
            f"{move(master)}: the newest model is the master, at the top of the rack",
            top.position,
        )
    ]


def models_grouped(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E103: batteries of one model stand together in one contiguous run."""
    if not bank.complete:
        return []
    findings = []
    first_run: dict[str, list[RackedBattery]] = {}
    for name, run in groupby(bank.batteries, key=lambda battery: battery.model.name):
        members = list(run)
        if name not in first_run:
            first_run[name] = members
            continue
        where = _positions(first_run[name])
        target = plan.battery_from(members[0].position)
        assert target is not None  # a complete bank: every battery is in the plan
        findings.append(
            Finding(
                "E103",
                f"{members[0].label} is apart from the other {name} at {where}",
                members[0].entry.at,
                f"{move(target)}: batteries of one model stand together",
                members[0].position,
            )
        )
    return findings


def ids_in_order(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E104: the master has ID 1, the battery at position n has ID n, no ID twice.

    A battery whose ID is already right is never blamed for a duplicate; the other one is.
    """
    findings = []
    for battery in bank.batteries:
        given, where = battery.entry.id, battery.entry.id_at
        if given is None or where is None or given == battery.position:
            continue
        if battery.position == 1:
            message = f"{battery.label} is on top, where the ID must be 1"
        else:
            message = (
                f"{battery.label} is out of order: IDs count up from the master, one per position"
            )
        twins = [
            other for other in bank.batteries if other is not battery and other.entry.id == given
        ]
        if twins:
            message += f"; ID {given} is also set on {twins[0].label}"
        findings.append(
            Finding("E104", message, where, _id_hint(bank, plan, battery), battery.position)
        )
    return findings


def _id_hint(bank: Bank, plan: InstallPlan, battery: RackedBattery) -> str:
    target = plan.battery_from(battery.position)
    if not bank.complete or target is None:
        return "correct the unknown model first; then eg4sheet gives every battery its ID"
    if target.position != target.was_at:
        return move(target)
    return f"{setting(target)} on its {target.model.name} DIP switches"


def within_address_range(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E105: the bank may not be larger than its smallest DIP block can address."""
    if not bank.batteries:
        return []
    limiting = min(bank.batteries, key=lambda battery: battery.model.dip.id_high)
    limit = limiting.model.dip.id_high
    size = bank.spec.slots
    if size <= limit:
        return []
    first_over = bank.at(limit + 1) or bank.batteries[-1]
    beyond = size - limit
    those = (
        f"{first_over.label} gets"
        if beyond == 1
        else (f"{first_over.label} and the {beyond - 1} below it get")
    )
    message = (
        f"the bank has {size} batteries, but the {limiting.model.name} "
        f"(position {limiting.position}) allows IDs only up to {limit}, "
        f"so {those} no address"
    )
    hint = f"split the rack into banks of at most {limit} batteries"
    if limit < 64:
        hint += ", or build a larger bank from 6-switch models only (up to 64)"
    return [Finding("E105", message, first_over.entry.at, hint, first_over.position)]


def cables_join_neighbours(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E109: each cable names two adjacent positions of this bank, once."""
    findings = []
    seen: set[tuple[int, int]] = set()
    for cable in bank.spec.cables or ():
        upper, lower = sorted(cable.between)
        if lower - upper != 1 or lower > bank.spec.slots:
            message = (
                f"a cable between positions {upper} and {lower} does not join two "
                f"neighbours in this {bank.spec.slots}-battery bank"
            )
            hint = "name two adjacent positions counted from the top, e.g. 'between: [4, 5]'"
            findings.append(Finding("E109", message, cable.between_at, hint, upper))
        elif (upper, lower) in seen:
            message = f"a second cable is listed between positions {upper} and {lower}"
            findings.append(
                Finding("E109", message, cable.between_at, "list each neighbour cable once", upper)
            )
        seen.add((upper, lower))
    return findings


def mixed_cables_pins_7_8_only(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E106/E107: in the mixed segment a cable carries pins 7 and 8 and nothing else."""
    if not bank.complete:
        return []
    kinds = cables.required_kinds(bank.models)
    breakers = cables.breaker_models(bank.models)
    breaker_pins = cables.breaker_pins(bank.models)
    findings = []
    for cable in _neighbour_cables(bank):
        upper = min(cable.between)
        where = _cable_label(bank, cable)
        hint = cable_hint(bank, plan, upper, cable.pins)
        for wrong in cables.faults(cable.pins, kinds[upper - 1], breaker_pins):
            if wrong.fault is Fault.BREAKER:
                owners = " and ".join(model.name for model in breakers)
                message = (
                    f"{where} has {cables.pin_list(wrong.pins)} populated in the mixed part "
                    f"of the bank: a signal there trips the {owners} breaker"
                )
                findings.append(Finding("E106", message, cable.pins_at, hint, upper))
            elif wrong.fault is Fault.EXTRA:
                message = (
                    f"{where} has {cables.pin_list(wrong.pins)} besides 7 and 8 in the "
                    "mixed part of the bank, where only pins 7 and 8 may be populated"
                )
                findings.append(Finding("E107", message, cable.pins_at, hint, upper))
    return findings


def cables_carry_signal(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E108: every neighbour pair has a cable, and every cable has pins 7 and 8."""
    findings = []
    listed = _neighbour_cables(bank)
    for cable in listed:
        upper = min(cable.between)
        for wrong in cables.faults(cable.pins, "standard", frozenset()):
            message = (
                f"{_cable_label(bank, cable)} lacks {cables.pin_list(wrong.pins)}: "
                "no communication passes it"
            )
            hint = cable_hint(bank, plan, upper, cable.pins)
            findings.append(Finding("E108", message, cable.pins_at, hint, upper))
    if bank.spec.cables is None or not bank.spec.cables_complete or bank.spec.cables_at is None:
        return findings
    uppers = {min(cable.between) for cable in listed}
    for upper in range(1, bank.spec.slots):
        if upper not in uppers:
            names = _pair_label(bank, upper)
            message = f"no cable is listed {names}: the batteries below cannot communicate"
            hint = (
                f"{cable_hint(bank, plan, upper, None)}; if a cable is there, list it as "
                f"'between: [{upper}, {upper + 1}]' with the pins it really has"
            )
            findings.append(Finding("E108", message, bank.spec.cables_at, hint, upper))
    return findings


def firmware_matches(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E110: installed firmware, where given, is the multipack firmware of its model."""
    findings = []
    update = _update_pins(bank.catalog)
    for battery in bank.batteries:
        installed, at = battery.entry.firmware, battery.entry.firmware_at
        if installed is None or at is None or battery.model.accepts_firmware(installed):
            continue
        needed = " or ".join(battery.model.firmware)
        message = (
            f"{battery.label} runs firmware {shown(installed)}, but the {battery.model.name} "
            f"needs {needed}"
        )
        hint = (
            f"update it to {needed} with BMS Tools (RS485 cable on {update}) before "
            "the bank is commissioned"
        )
        findings.append(Finding("E110", message, at, hint, battery.position))
    return findings


def groups_newest_first(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """W201: groups go down the rack from newest to oldest (shown by the guide, not stated)."""
    if not bank.complete:
        return []
    runs = [list(run) for _, run in groupby(bank.batteries, key=lambda b: b.model.name)]
    newest_rank = min(battery.model.rank for battery in bank.batteries)
    order = ", ".join(model.name for model in plan.models)
    findings = []
    for above, below in pairwise(runs):
        if above[0].position == 1 and above[0].model.rank != newest_rank:
            continue  # E102 already says the top is wrong
        if below[0].model.rank < above[-1].model.rank:
            target = plan.battery_from(below[0].position)
            assert target is not None  # a complete bank: every battery is in the plan
            message = f"{below[0].label} is newer than {above[-1].label} above it"
            hint = f"order the groups newest to oldest down the rack ({order}): {move(target)}"
            findings.append(Finding("W201", message, below[0].entry.at, hint, below[0].position))
    return findings


def firmware_given(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """W202: installed firmware not given; the checklist leaves it to be filled in."""
    findings = []
    for battery in bank.batteries:
        if battery.entry.firmware is None:
            needed = " or ".join(battery.model.firmware)
            message = (
                f"installed firmware of {battery.label} is not given: "
                "the checklist leaves it to be filled in"
            )
            hint = (
                f"read it in BMS Tools and add 'firmware:'; the {battery.model.name} needs {needed}"
            )
            findings.append(Finding("W202", message, battery.entry.at, hint, battery.position))
    return findings


RULES: tuple[Rule, ...] = (
    master_is_newest,
    models_grouped,
    ids_in_order,
    within_address_range,
    cables_join_neighbours,
    mixed_cables_pins_7_8_only,
    cables_carry_signal,
    firmware_matches,
    groups_newest_first,
    firmware_given,
)


def check_bank(bank: Bank) -> InstallPlan:
    """The corrected plan of a bank, with every rule's findings on it, in rack order."""
    plan = corrected_plan(bank)
    findings = [finding for rule in RULES for finding in rule(bank, plan)]
    return replace(plan, findings=tuple(sort_findings(findings)))


def check(spec: BankSpec, catalog: Catalog) -> tuple[Bank, list[Finding]]:
    """Every finding on a readable spec (model names and rules), in rack order."""
    bank, unknown = resolve(spec, catalog)
    plan = check_bank(bank)
    return bank, sort_findings(unknown + list(plan.findings))


# --- wording helpers -------------------------------------------------------------------


def _neighbour_cables(bank: Bank) -> list[CableEntry]:
    """The listed cables that join two neighbours of this bank, each pair once."""
    listed: dict[int, CableEntry] = {}
    for cable in bank.spec.cables or ():
        upper, lower = sorted(cable.between)
        if lower - upper == 1 and lower <= bank.spec.slots:
            listed.setdefault(upper, cable)
    return list(listed.values())


def _pair_label(bank: Bank, upper: int) -> str:
    above, below = bank.at(upper), bank.at(upper + 1)
    if above and below:
        return f"between {above.label} and {below.label}"
    return f"between positions {upper} and {upper + 1}"


def _cable_label(bank: Bank, cable: CableEntry) -> str:
    return "the cable " + _pair_label(bank, min(cable.between))


def _update_pins(catalog: Catalog) -> str:
    return "pins " + " and ".join(str(pin) for pin in sorted(catalog.wiring.update_signals))


def _positions(group: list[RackedBattery]) -> str:
    first, last = group[0].position, group[-1].position
    return f"position {first}" if first == last else f"positions {first}–{last}"
