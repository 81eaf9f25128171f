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
from generator.bank.i18n import Msg, join
from generator.bank.plan import InstallPlan, PlannedBattery, corrected_plan
from generator.bank.rack import Bank, RackedBattery, model_and_serial, resolve
from generator.bank.spec import BankSpec, CableEntry
from generator.bank.yamlsrc import shown

Rule = Callable[[Bank, InstallPlan], list[Finding]]


# --- instructions, from the corrected plan ----------------------------------------------


def setting(battery: PlannedBattery) -> Msg:
    """'set ID 3 (1 ON · 2 ON · 3 OFF · 4 OFF)': the one form every hint uses for an address."""
    if battery.dip is None:  # beyond the bank's address range: it gets no ID at all
        return Msg("take it out of this bank: see the bank size error (E105)")
    return Msg("set ID {id} ({switches})", id=battery.id, switches=battery.switch_words)


def move(battery: PlannedBattery) -> Msg:
    """'move the LL-S at position 3 to position 1 and set ID 1 (…)', or only the setting
    when it stays where it is; never an ID it already has."""
    if battery.was_at == battery.position:
        if battery.found_id == battery.id and not battery.leaves:
            return Msg(
                "it keeps position {position} and ID {id}: the batteries around it move",
                position=battery.position,
                id=battery.id,
            )
        return setting(battery)
    return Msg(
        "move the {model} at position {was} to position {position} and {setting}",
        model=model_and_serial(battery.model.name, battery.serial),
        was=battery.was_at,
        position=battery.position,
        setting=setting(battery),
    )


def cable_hint(bank: Bank, plan: InstallPlan, upper: int, found: frozenset[int] | None) -> Msg:
    """What to do with the cable found between `upper` and `upper + 1`, as the corrected
    plan has it (batteries move, cables stay between the same two rack positions)."""
    colours = bank.catalog.wiring.colours
    # The colours are words of the reader's language, like the pinout table's.
    signal = join(
        [
            Msg("{pin} ({colour})", pin=pin, colour=Msg(colours[pin]))
            for pin in sorted(cables.SIGNAL_PINS)
        ]
    )
    run = plan.cable_at(upper) if bank.complete else None
    if run is None:  # the bank cannot be planned yet (an unknown model): say only what is sure
        return Msg("use a cable with pins {signal} connected straight through", signal=signal)
    wanted = Msg(cables.KINDS[run.kind].wanted)
    pair = {"upper": upper, "lower": upper + 1}
    if not cables.faults(found, run.kind, cables.breaker_pins(bank.models)):
        return Msg(
            "keep it: in the corrected order, positions {upper} and {lower} take {wanted}, "
            "which this cable is",
            wanted=wanted,
            **pair,
        )
    if found is None:
        return Msg(
            "add {wanted} between positions {upper} and {lower}, pins {signal} straight through",
            wanted=wanted,
            signal=signal,
            **pair,
        )
    return Msg(
        "replace it with {wanted} between positions {upper} and {lower}, "
        "pins {signal} straight through",
        wanted=wanted,
        signal=signal,
        **pair,
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
        Finding.of(
            "E102",
            Msg("{top} is the master, but {newest} is newer", top=top.said, newest=newest.said),
            top.entry.at,
            Msg(
                "{move}: the newest model is the master, at the top of the rack",
                move=move(master),
            ),
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
        target = plan.battery_from(members[0].position)
        assert target is not None  # a complete bank: every battery is in the plan
        group = first_run[name]  # a lone battery by its serial too; a group by its positions
        findings.append(
            Finding.of(
                "E103",
                Msg(
                    "{battery} is apart from the other {model} at {where}",
                    battery=members[0].said,
                    model=model_and_serial(name, group[0].entry.serial)
                    if len(group) == 1
                    else name,
                    where=_positions(group),
                ),
                members[0].entry.at,
                Msg("{move}: batteries of one model stand together", move=move(target)),
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
        zero = battery.model.dip.zero_note if given == 0 else None
        if zero is not None:  # the catalog says why ID 0 is never used in a bank
            message = Msg(
                "{battery}: a bank never uses ID 0, because {why}",
                battery=battery.said,
                why=Msg(zero),
            )
        elif battery.position == 1:
            message = Msg("{battery} is on top, where the ID must be 1", battery=battery.said)
        else:
            message = Msg(
                "{battery} is out of order: IDs count up from the master, one per position",
                battery=battery.said,
            )
        twins = [
            other for other in bank.batteries if other is not battery and other.entry.id == given
        ]
        if twins:
            message = Msg(
                "{fault}; ID {id} is also set on {twin}",
                fault=message,
                id=given,
                twin=twins[0].said,
            )
        findings.append(
            Finding.of("E104", message, where, _id_hint(bank, plan, battery), battery.position)
        )
    return findings


def _id_hint(bank: Bank, plan: InstallPlan, battery: RackedBattery) -> Msg:
    target = plan.battery_from(battery.position)
    if not bank.complete or target is None:
        return Msg("correct the unknown model first; then eg4sheet gives every battery its ID")
    if target.position != target.was_at:
        return move(target)
    return Msg(
        "{setting} on its {model} DIP switches", setting=setting(target), model=target.model.name
    )


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
        Msg("{battery} gets", battery=first_over.said)
        if beyond == 1
        else Msg(
            "{battery} and the {count} below it get", battery=first_over.said, count=beyond - 1
        )
    )
    message = Msg(
        "the bank has {size} batteries, but the {model} (position {position}) allows IDs only "
        "up to {limit}, so {those} no address",
        size=size,
        model=limiting.model.name,
        position=limiting.position,
        limit=limit,
        those=those,
    )
    # The largest bank this catalog's tables allow, and the models that reach it.
    top = max(model.dip.id_high for model in bank.catalog.models)
    largest = [model.name for model in bank.catalog.models if model.dip.id_high == top]
    hint = (
        Msg(
            "split the rack into banks of at most {limit} batteries, or build a larger bank "
            "from {models} only (up to {top})",
            limit=limit,
            models=join(largest),
            top=top,
        )
        if limit < top
        else Msg("split the rack into banks of at most {limit} batteries", limit=limit)
    )
    return [Finding.of("E105", message, first_over.entry.at, hint, first_over.position)]


def cables_join_neighbours(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E109: each cable names two adjacent positions of this bank, once."""
    listed = bank.spec.cables or ()
    slots = bank.spec.slots
    findings = []
    for wrong in cables.misplaced([cable.between for cable in listed], slots):
        upper, lower = wrong.upper, wrong.lower
        if wrong.why is cables.Listing.STRAY:
            message = Msg(
                "a cable between positions {upper} and {lower} does not join two "
                "neighbours in this {slots}-battery bank",
                upper=upper,
                lower=lower,
                slots=slots,
            )
            below = upper + 1 if upper + 1 <= slots else max(slots, 2)
            hint = Msg(
                "name two adjacent positions counted from the top, e.g. 'between: [{a}, {b}]'",
                a=below - 1,
                b=below,
            )
        else:
            message = Msg(
                "a second cable is listed between positions {upper} and {lower}",
                upper=upper,
                lower=lower,
            )
            hint = Msg("list each neighbour cable once")
        findings.append(Finding.of("E109", message, listed[wrong.index].between_at, hint, upper))
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
                message = Msg(
                    "{cable} has {pins} populated in the mixed part of the bank: a signal "
                    "there trips the {owners} breaker",
                    cable=where,
                    pins=cables.pin_words(wrong.pins),
                    owners=join([model.name for model in breakers]),
                )
                findings.append(Finding.of("E106", message, cable.pins_at, hint, upper))
            elif wrong.fault is Fault.EXTRA:
                message = Msg(
                    "{cable} has {pins} besides {signal} in the mixed part of the bank, where "
                    "only {signal_pins} may be populated",
                    cable=where,
                    pins=cables.pin_words(wrong.pins),
                    signal=join([str(pin) for pin in sorted(cables.SIGNAL_PINS)]),
                    signal_pins=cables.pin_words(cables.SIGNAL_PINS),
                )
                findings.append(Finding.of("E107", message, cable.pins_at, hint, upper))
    return findings


def cables_carry_signal(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E108: every neighbour pair has a cable, and every cable has pins 7 and 8."""
    findings = []
    listed = _neighbour_cables(bank)
    for cable in listed:
        upper = min(cable.between)
        for wrong in cables.faults(cable.pins, "standard", frozenset()):
            message = Msg(
                "{cable} lacks {pins}: no communication passes it",
                cable=_cable_label(bank, cable),
                pins=cables.pin_words(wrong.pins),
            )
            hint = cable_hint(bank, plan, upper, cable.pins)
            findings.append(Finding.of("E108", message, cable.pins_at, hint, upper))
    if bank.spec.cables is None or not bank.spec.cables_complete or bank.spec.cables_at is None:
        return findings
    uppers = {min(cable.between) for cable in listed}
    for upper in range(1, bank.spec.slots):
        if upper not in uppers:
            message = Msg(
                "no cable is listed {pair}: the batteries below cannot communicate",
                pair=_pair_label(bank, upper),
            )
            hint = Msg(
                "{hint}; if a cable is there, list it as 'between: [{upper}, {lower}]' with "
                "the pins it really has",
                hint=cable_hint(bank, plan, upper, None),
                upper=upper,
                lower=upper + 1,
            )
            findings.append(Finding.of("E108", message, bank.spec.cables_at, hint, upper))
    return findings


def firmware_matches(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """E110: installed firmware, where given, is the multipack firmware of its model."""
    findings = []
    update = cables.pin_words(frozenset(bank.catalog.wiring.update_signals))
    for battery in bank.batteries:
        installed, at = battery.entry.firmware, battery.entry.firmware_at
        if installed is None or at is None or battery.model.accepts_firmware(installed):
            continue
        needed = join(list(battery.model.firmware), "or")
        message = Msg(
            "{battery} runs firmware {installed}, but the {model} needs {needed}",
            battery=battery.said,
            installed=shown(installed),
            model=battery.model.name,
            needed=needed,
        )
        hint = Msg(
            "update it to {needed} with BMS Tools (RS485 cable on {pins}) before the bank is "
            "commissioned",
            needed=needed,
            pins=update,
        )
        findings.append(Finding.of("E110", message, at, hint, battery.position))
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
            message = Msg(
                "{battery} is newer than {above} above it",
                battery=below[0].said,
                above=above[-1].said,
            )
            hint = Msg(
                "order the groups newest to oldest down the rack ({order}): {move}",
                order=order,
                move=move(target),
            )
            findings.append(Finding.of("W201", message, below[0].entry.at, hint, below[0].position))
    return findings


def firmware_given(bank: Bank, plan: InstallPlan) -> list[Finding]:
    """W202: installed firmware not given; the checklist leaves it to be filled in."""
    findings = []
    for battery in bank.batteries:
        if battery.entry.firmware is None:
            message = Msg(
                "installed firmware of {battery} is not given: the checklist leaves it to be "
                "filled in",
                battery=battery.said,
            )
            hint = Msg(
                "read it in BMS Tools and add 'firmware:'; the {model} needs {needed}",
                model=battery.model.name,
                needed=join(list(battery.model.firmware), "or"),
            )
            findings.append(Finding.of("W202", message, battery.entry.at, hint, battery.position))
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


def _pair_label(bank: Bank, upper: int) -> Msg:
    above, below = bank.at(upper), bank.at(upper + 1)
    if above and below:
        return Msg("between {above} and {below}", above=above.said, below=below.said)
    return Msg("between positions {upper} and {lower}", upper=upper, lower=upper + 1)


def _cable_label(bank: Bank, cable: CableEntry) -> Msg:
    return Msg("the cable {pair}", pair=_pair_label(bank, min(cable.between)))


def _positions(group: list[RackedBattery]) -> Msg:
    first, last = group[0].position, group[-1].position
    if first == last:
        return Msg("position {first}", first=first)
    return Msg("positions {first}–{last}", first=first, last=last)
