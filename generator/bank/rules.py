"""Compatibility rules of a mixed bank (domain.md), each a small function returning findings.

Every rule sees the whole bank and reports every battery it concerns; `check` runs them all
and never stops at the first finding. Rules that need to know every battery's model (order,
grouping, cable segments) only run when every position in the rack is readable and known.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby, pairwise

from generator.bank.catalog import BatteryModel, Catalog
from generator.bank.diagnostics import Finding, sort_findings
from generator.bank.spec import BankSpec, BatteryEntry, CableEntry, RackPosition
from generator.bank.yamlsrc import shown

SIGNAL_PINS = frozenset({7, 8})  # RS485 between batteries
BREAKER_PINS = frozenset({3, 6})  # a signal here trips the LL-S breaker
PIN_COLOURS = {
    1: "white/orange",
    2: "orange",
    3: "white/green",
    4: "blue",
    5: "white/blue",
    6: "green",
    7: "white/brown",
    8: "brown",
}


@dataclass(frozen=True)
class RackedBattery:
    """A battery from the spec with its catalog model resolved."""

    entry: BatteryEntry
    model: BatteryModel

    @property
    def position(self) -> RackPosition:
        return self.entry.position

    @property
    def label(self) -> str:
        """How every message names a battery: model, rack position and ID (when set)."""
        text = f"{self.model.name} at position {self.position}"
        return text if self.entry.id is None else f"{text} with ID {self.entry.id}"


@dataclass(frozen=True)
class Bank:
    spec: BankSpec
    batteries: tuple[RackedBattery, ...]
    complete: bool  # every rack position is readable and its model known

    def at(self, position: RackPosition) -> RackedBattery | None:
        for battery in self.batteries:
            if battery.position == position:
                return battery
        return None


def resolve(spec: BankSpec, catalog: Catalog) -> tuple[Bank, list[Finding]]:
    """Match each battery to its catalog model; E101 for names that match none."""
    findings: list[Finding] = []
    racked = []
    for entry in spec.batteries:
        model = catalog.find(entry.model_name)
        if model is None:
            if not any(f.location == entry.model_at for f in findings):  # once per 'count' entry
                findings.append(unknown_model(entry, catalog))
        else:
            racked.append(RackedBattery(entry, model))
    complete = len(racked) == spec.slots and spec.slots > 0
    return Bank(spec, tuple(racked), complete), findings


def unknown_model(entry: BatteryEntry, catalog: Catalog) -> Finding:
    near = catalog.closest_names(entry.model_name)
    names = near or [model.name for model in catalog.models]
    message = f"unknown model {shown(entry.model_name)} at position {entry.position}"
    if near:
        message += f"; closest: {', '.join(near)}"
    return Finding(
        "E101", message, entry.model_at, f"use one of: {', '.join(names)}", entry.position
    )


def ids_in_words(model: BatteryModel, battery_id: int) -> str:
    """'1 OFF, 2 ON, …' — the switch settings for an ID, for hints."""
    states = model.dip.states(battery_id)
    return ", ".join(f"{number} {state}" for number, state in enumerate(states, start=1))


def restricted_from(models: Sequence[BatteryModel]) -> RackPosition | None:
    """The position from which every cable downward must carry only pins 7 and 8.

    Only a bank mixing current (multipack) and legacy batteries has such a segment: from the
    last current battery down through all older ones. If a legacy battery stands higher than
    that (a misordered bank), the segment starts above it, so no legacy battery is ever
    reached by a full cable.
    """
    current = [n for n, m in enumerate(models, start=1) if m.generation == "current"]
    legacy = [n for n, m in enumerate(models, start=1) if m.generation == "legacy"]
    if not current or not legacy:
        return None
    return max(1, min(current[-1], legacy[0] - 1))


def cable_must_be_restricted(models: Sequence[BatteryModel], upper: RackPosition) -> bool:
    start = restricted_from(models)
    return start is not None and upper >= start


# --- the rules -------------------------------------------------------------------------


def master_is_newest(bank: Bank) -> list[Finding]:
    """E102: the battery on top must be the newest model in the bank."""
    if not bank.complete:
        return []
    top = bank.batteries[0]
    newest = min(bank.batteries, key=lambda battery: battery.model.rank)
    if newest.model.rank >= top.model.rank:
        return []
    return [
        Finding(
            "E102",
            f"{top.label} is the master, but {newest.label} is newer",
            top.entry.at,
            f"move the {newest.model.name} to the top of the rack; it must be the master with ID 1",
            top.position,
        )
    ]


def models_grouped(bank: Bank) -> list[Finding]:
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
        group = first_run[name]
        where = _positions(group)
        findings.append(
            Finding(
                "E103",
                f"{members[0].label} is apart from the other {name} at {where}",
                members[0].entry.at,
                f"move it next to the {name} at {where}: batteries of one model stand together",
                members[0].position,
            )
        )
    return findings


def ids_in_order(bank: Bank) -> list[Finding]:
    """E104: the master has ID 1, the battery at position n has ID n, no ID twice.

    A battery whose ID is already right is never blamed for a duplicate; the other one is.
    """
    findings = []
    for battery in bank.batteries:
        given, wanted, where = battery.entry.id, battery.position, battery.entry.id_at
        if given is None or where is None or given == wanted:
            continue
        if wanted == 1:
            message = f"{battery.label} is the master, so its ID must be 1"
        else:
            message = (
                f"{battery.label} must have ID {wanted}: IDs count up from the master, "
                "one per position"
            )
        twins = [
            other for other in bank.batteries if other is not battery and other.entry.id == given
        ]
        if twins:
            message += f"; ID {given} is also set on {twins[0].label}"
        findings.append(
            Finding("E104", message, where, _set_id_hint(battery, wanted), battery.position)
        )
    return findings


def _set_id_hint(battery: RackedBattery, battery_id: int) -> str:
    dip = battery.model.dip
    if not dip.id_low <= battery_id <= dip.id_high:
        return f"the {battery.model.name} cannot take ID {battery_id}; see the bank size finding"
    return (
        f"set ID {battery_id} on its {battery.model.name} DIP switches: "
        f"{ids_in_words(battery.model, battery_id)}"
    )


def within_address_range(bank: Bank) -> list[Finding]:
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


def cables_join_neighbours(bank: Bank) -> list[Finding]:
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


def mixed_cables_pins_7_8_only(bank: Bank) -> list[Finding]:
    """E106/E107: in the mixed segment a cable carries pins 7 and 8 and nothing else."""
    if not bank.complete:
        return []
    models = [battery.model for battery in bank.batteries]
    findings = []
    for cable in _neighbour_cables(bank):
        upper = min(cable.between)
        if not cable_must_be_restricted(models, upper):
            continue
        where = _cable_label(bank, cable)
        hint = (
            "replace it with a cable that has only pins 7 (white/brown) and 8 (brown) "
            "populated, straight through"
        )
        if cable.pins & BREAKER_PINS:
            message = (
                f"{where} has {_pins(cable.pins & BREAKER_PINS)} populated in the "
                "mixed part of the bank: a signal there trips the LL-S breaker"
            )
            findings.append(Finding("E106", message, cable.pins_at, hint, upper))
        elif cable.pins - SIGNAL_PINS:
            message = (
                f"{where} has {_pins(cable.pins - SIGNAL_PINS)} besides 7 and 8 in the "
                "mixed part of the bank, where only pins 7 and 8 may be populated"
            )
            findings.append(Finding("E107", message, cable.pins_at, hint, upper))
    return findings


def cables_carry_signal(bank: Bank) -> list[Finding]:
    """E108: every neighbour pair has a cable, and every cable has pins 7 and 8."""
    findings = []
    cables = _neighbour_cables(bank)
    for cable in cables:
        missing = SIGNAL_PINS - cable.pins
        if missing:
            message = (
                f"{_cable_label(bank, cable)} lacks {_pins(missing)}: no communication passes it"
            )
            hint = "use a cable with pins 7 (white/brown) and 8 (brown) connected straight through"
            findings.append(Finding("E108", message, cable.pins_at, hint, min(cable.between)))
    if bank.spec.cables is None or not bank.spec.cables_complete or bank.spec.cables_at is None:
        return findings
    listed = {min(cable.between) for cable in cables}
    for upper in range(1, bank.spec.slots):
        if upper not in listed:
            names = _pair_label(bank, upper)
            message = f"no cable is listed {names}: the batteries below cannot communicate"
            hint = f"add 'between: [{upper}, {upper + 1}]' with the pins the cable really has"
            findings.append(Finding("E108", message, bank.spec.cables_at, hint, upper))
    return findings


def firmware_matches(bank: Bank) -> list[Finding]:
    """E110: installed firmware, where given, is the multipack firmware of its model."""
    findings = []
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
            f"update it to {needed} with BMS Tools (RS485 cable on pins 1 and 2) before "
            "the bank is commissioned"
        )
        findings.append(Finding("E110", message, at, hint, battery.position))
    return findings


def groups_newest_first(bank: Bank) -> list[Finding]:
    """W201: groups go down the rack from newest to oldest (shown by the guide, not stated)."""
    if not bank.complete:
        return []
    runs = [list(run) for _, run in groupby(bank.batteries, key=lambda b: b.model.name)]
    newest_rank = min(battery.model.rank for battery in bank.batteries)
    order = ", ".join(
        dict.fromkeys(b.model.name for b in sorted(bank.batteries, key=lambda b: b.model.rank))
    )
    findings = []
    for above, below in pairwise(runs):
        if above[0].position == 1 and above[0].model.rank != newest_rank:
            continue  # E102 already says the top is wrong
        if below[0].model.rank < above[-1].model.rank:
            message = f"{below[0].label} is newer than {above[-1].label} above it"
            hint = f"order the groups newest to oldest down the rack: {order}"
            findings.append(Finding("W201", message, below[0].entry.at, hint, below[0].position))
    return findings


def firmware_given(bank: Bank) -> list[Finding]:
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


RULES: tuple[Callable[[Bank], list[Finding]], ...] = (
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


def check(spec: BankSpec, catalog: Catalog) -> tuple[Bank, list[Finding]]:
    """Every rule's findings on a readable spec, in rack order."""
    bank, findings = resolve(spec, catalog)
    for rule in RULES:
        findings.extend(rule(bank))
    return bank, sort_findings(findings)


# --- wording helpers -------------------------------------------------------------------


def _neighbour_cables(bank: Bank) -> list[CableEntry]:
    """The listed cables that join two neighbours of this bank, each pair once."""
    cables: dict[int, CableEntry] = {}
    for cable in bank.spec.cables or ():
        upper, lower = sorted(cable.between)
        if lower - upper == 1 and lower <= bank.spec.slots:
            cables.setdefault(upper, cable)
    return list(cables.values())


def _pair_label(bank: Bank, upper: int) -> str:
    above, below = bank.at(upper), bank.at(upper + 1)
    if above and below:
        return f"between {above.label} and {below.label}"
    return f"between positions {upper} and {upper + 1}"


def _cable_label(bank: Bank, cable: CableEntry) -> str:
    return "the cable " + _pair_label(bank, min(cable.between))


def _pins(pins: frozenset[int] | set[int]) -> str:
    """'pin 3' or 'pins 1, 2 and 3'."""
    numbers = [str(number) for number in sorted(pins)]
    if len(numbers) == 1:
        return f"pin {numbers[0]}"
    return f"pins {', '.join(numbers[:-1])} and {numbers[-1]}"


def _positions(group: list[RackedBattery]) -> str:
    first, last = group[0].position, group[-1].position
    return f"position {first}" if first == last else f"positions {first}–{last}"
