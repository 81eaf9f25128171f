"""The re-work a sheet with changes asks for, as data: a procedure in stages.

Make safe; firmware where a battery needs it, before anything moves; take out every battery
that moves, then place each one, top down; set the addresses; the cables by their positions
after the re-rack (remove, replace, add, keep); then commissioning. Each step is typed (its
actions say what it does to the rack, so `replay` can play it on a model of the rack) and
worded (a Msg, printed in the sheet's language). Everything comes from the bank as found and
the one corrected plan; the cable steps ask the cable module about each cable. Each step also
says which battery or cable of the bank as found it concerns, so the As found drawing can
mark it with the step's number, and `fixing` says which steps remove a finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from generator.bank import cables
from generator.bank.cables import Fault, Listing, Misplaced
from generator.bank.diagnostics import Finding
from generator.bank.i18n import N_, Msg, join
from generator.bank.plan import CableRun, InstallPlan, PlannedBattery
from generator.bank.rack import model_and_serial
from generator.bank.spec import RackPosition

Battery = RackPosition  # a battery is known by its position as found (its `was_at`)


class Stage(Enum):
    """The stages of the procedure, in the order they are done."""

    STOP = N_("Before anything else")
    SAFE = N_("Make safe")
    FIRMWARE = N_("Firmware, before anything moves")
    RERACK = N_("Re-rack: take out every battery that moves, then place them top down")
    ADDRESSES = N_("Addresses")
    CABLES = N_("Cables, by their positions after the re-rack")
    COMMISSION = N_("Commissioning")


# --- what a step does to the rack (replayed by generator.bank.replay) ---------------------


@dataclass(frozen=True)
class Blocked:
    """An error no re-work removes (an unknown model): nothing else can be planned."""


@dataclass(frozen=True)
class SwitchOff:
    """Every battery breaker and BMS switch off."""


@dataclass(frozen=True)
class Unplug:
    """Every neighbour cable and the inverter cable unplugged from the batteries; the
    cables stay where they run."""


@dataclass(frozen=True)
class DisconnectDc:
    batteries: tuple[Battery, ...]


@dataclass(frozen=True)
class UpdateFirmware:
    battery: Battery
    firmware: str  # the required version it gets (the first the catalog accepts)


@dataclass(frozen=True)
class ReadFirmware:
    """Read the firmware of batteries whose firmware the spec does not give (and update any
    that is not the required one), in their slots, before anything moves."""

    batteries: tuple[Battery, ...]


@dataclass(frozen=True)
class LeaveBank:
    """The battery is taken out of this bank for good (beyond the address range)."""

    battery: Battery
    slot: RackPosition


@dataclass(frozen=True)
class TakeOut:
    battery: Battery
    slot: RackPosition


@dataclass(frozen=True)
class Place:
    battery: Battery
    slot: RackPosition  # its DC cables are connected again there


@dataclass(frozen=True)
class SetId:
    battery: Battery
    slot: RackPosition
    id: int


class Verb(Enum):
    REMOVE = "remove"
    REPLACE = "replace"
    ADD = "add"
    KEEP = "keep"
    USE = "use"  # the spec lists no cables: the kind a position must have


@dataclass(frozen=True)
class CableWork:
    upper: RackPosition  # the cable between `upper` and `upper + 1`, after the re-rack
    verb: Verb
    pins: frozenset[int] | None  # what is there afterwards (None: no cable)


@dataclass(frozen=True)
class RemoveListed:
    """A listed cable that joins no two neighbours, or repeats a pair: it comes out."""

    index: int  # in the spec's list of cables


@dataclass(frozen=True)
class Commission:
    """5 · Commissioning: cables plugged in, power on from the master down."""


Action = (
    Blocked
    | SwitchOff
    | Unplug
    | DisconnectDc
    | UpdateFirmware
    | ReadFirmware
    | LeaveBank
    | TakeOut
    | Place
    | SetId
    | CableWork
    | RemoveListed
    | Commission
)


@dataclass(frozen=True)
class Change:
    """One numbered step: its stage, what it does, its words, and what it concerns."""

    text: Msg  # printed in the sheet's language; str() is the English
    stage: Stage
    actions: tuple[Action, ...] = ()
    battery: RackPosition | None = None  # the battery it is marked on, by position as found
    cables: tuple[RackPosition, ...] = ()  # the upper position of each cable it concerns
    removes: RackPosition | None = None  # a listed cable that cannot be there, by its upper end
    batteries: tuple[RackPosition, ...] = ()  # a step marked on several batteries, as found


def battery_name(battery: PlannedBattery) -> Msg:
    """'the LifePower4 (serial LP4-2011-3310)': by serial where known, so it can be found
    (named as every finding names it)."""
    return Msg("the {model}", model=model_and_serial(battery.model.name, battery.serial))


def _positions(numbers: Sequence[int]) -> Msg:
    return join([str(number) for number in numbers])


# --- the procedure -----------------------------------------------------------------------


def change_steps(
    found: InstallPlan,
    corrected: InstallPlan,
    misplaced: Sequence[Misplaced] = (),
    unsolved: Sequence[Finding] = (),
    complete: bool = True,
) -> list[Change]:
    """The procedure, stage by stage. `unsolved` are errors no re-work removes (an unknown
    model): then the bank cannot be planned and the one step says so. `complete`: every
    battery of the spec is in the plan."""
    if unsolved or not complete:
        return [_blocked(finding) for finding in unsolved]
    stay = [b for b in corrected.batteries if b.leaves is False]
    leaving = [b for b in corrected.batteries if b.leaves]
    movers = [b for b in stay if b.was_at != b.position]
    steps: list[Change] = []
    steps += _firmware(corrected)
    steps += _rerack(corrected, leaving, movers)
    steps += _addresses(stay)
    steps += _cables(found, corrected, misplaced, leaving)
    if not steps:
        return []
    safe = [
        Change(Msg("Switch off every battery breaker and BMS switch."), Stage.SAFE, (SwitchOff(),)),
        Change(
            Msg(
                "Unplug every neighbour cable and the inverter cable from the batteries; "
                "the cables stay where they run."
            ),
            Stage.SAFE,
            (Unplug(),),
        ),
    ]
    out = sorted(leaving + movers, key=lambda b: b.was_at)
    if out:
        safe.append(
            Change(
                Msg(
                    "Disconnect the DC cables of the batteries that come out: "
                    "positions {positions}.",
                    positions=_positions([b.was_at for b in out]),
                )
                if len(out) > 1
                else Msg(
                    "Disconnect the DC cables of the battery that comes out: position {position}.",
                    position=out[0].was_at,
                ),
                Stage.SAFE,
                (DisconnectDc(tuple(b.was_at for b in out)),),
            )
        )
    commission = Change(
        Msg("Commission the bank as 5 · Commissioning says, from its first step."),
        Stage.COMMISSION,
        (Commission(),),
    )
    return [*safe, *steps, commission]


def _blocked(finding: Finding) -> Change:
    """An error no re-work removes (an unknown model)."""
    words = Msg(
        "Not solved by rearranging: {problem}. Before installing, {fix}.",
        problem=finding.text or finding.message,
        fix=finding.hint_text or finding.hint or "",
    )
    return Change(words, Stage.STOP, (Blocked(),), battery=finding.position)


def _firmware(corrected: InstallPlan) -> list[Change]:
    """Each battery whose firmware is wrong, in its slot as found, before anything moves;
    then those whose firmware the spec does not give, read the same way."""
    steps = []
    for battery in sorted(corrected.batteries, key=lambda b: b.was_at):
        if battery.firmware_ok is False:
            words = Msg(
                "Update {battery} at position {was} from {installed} to {required}, alone in "
                "its slot, as 2 · Firmware says; then set its switches back as they were.",
                battery=battery_name(battery),
                was=battery.was_at,
                installed=battery.firmware_installed,
                required=join(list(battery.model.firmware), "or"),
            )
            action = UpdateFirmware(battery.was_at, battery.model.firmware[0])
            steps.append(Change(words, Stage.FIRMWARE, (action,), battery=battery.was_at))
    unknown = sorted(b.was_at for b in corrected.batteries if b.firmware_installed is None)
    if unknown:
        words = (
            Msg(
                "Read the firmware of the battery at position {positions} the same way, write "
                "it in the checklist of 2 · Firmware and update it if it is not the required one.",
                positions=_positions(unknown),
            )
            if len(unknown) == 1
            else Msg(
                "Read the firmware of the batteries at positions {positions} the same way, "
                "write it in the checklist of 2 · Firmware and update any that is not the "
                "required one.",
                positions=_positions(unknown),
            )
        )
        if not steps:
            words = (
                Msg(
                    "Read the firmware of the battery at position {positions} as 2 · Firmware "
                    "says (alone and in its slot), write it in the checklist and update it if "
                    "it is not the required one; then set its DIP switches back as they were.",
                    positions=_positions(unknown),
                )
                if len(unknown) == 1
                else Msg(
                    "Read the firmware of the batteries at positions {positions} as 2 · "
                    "Firmware says (one at a time, in their slots), write it in the checklist "
                    "and update any that is not the required one; then set their DIP switches "
                    "back as they were.",
                    positions=_positions(unknown),
                )
            )
        # Not marked on the As found drawing: it concerns every battery whose firmware is
        # not given, and its findings (W202) point to it.
        steps.append(Change(words, Stage.FIRMWARE, (ReadFirmware(tuple(unknown)),)))
    return steps


def _rerack(
    corrected: InstallPlan, leaving: list[PlannedBattery], movers: list[PlannedBattery]
) -> list[Change]:
    """Out of the bank first (beyond the address range), then every battery that moves, top
    down as found; then each one into its new position, top down: no slot is ever taken."""
    steps = []
    remaining = [b.model for b in corrected.batteries if not b.leaves]
    limiting = min(remaining, key=lambda model: model.dip.id_high) if remaining else None
    for battery in sorted(leaving, key=lambda b: b.was_at):
        words = Msg(
            "Take {battery} out of this bank, from position {was}: with the {limiting} in "
            "the bank, IDs end at {high}. It goes into another bank.",
            battery=battery_name(battery),
            was=battery.was_at,
            limiting=limiting.name if limiting else battery.model.name,
            high=limiting.dip.id_high if limiting else battery.model.dip.id_high,
        )
        leave = LeaveBank(battery.was_at, battery.was_at)
        steps.append(Change(words, Stage.RERACK, (leave,), battery=battery.was_at))
    for battery in sorted(movers, key=lambda b: b.was_at):
        words = Msg(
            "Take out {battery} from position {was}.",
            battery=battery_name(battery),
            was=battery.was_at,
        )
        action = TakeOut(battery.was_at, battery.was_at)
        steps.append(Change(words, Stage.RERACK, (action,), battery=battery.was_at))
    for battery in sorted(movers, key=lambda b: b.position):
        words = Msg(
            "Put {battery} into position {position}; connect its DC cables.",
            battery=battery_name(battery),
            position=battery.position,
        )
        steps.append(Change(words, Stage.RERACK, (Place(battery.was_at, battery.position),)))
    return steps


def _addresses(stay: list[PlannedBattery]) -> list[Change]:
    """Every battery whose ID changes, in its position after the re-rack, with the switch
    words; those that stay put and whose ID the spec does not give, in one step."""
    steps = []
    unset = [b for b in stay if b.was_at == b.position and b.found_id is None]
    for battery in stay:
        if battery.found_id == battery.id or battery in unset:
            continue
        values: dict[str, str | int | Msg | None] = {
            "battery": battery_name(battery),
            "position": battery.position,
            "id": battery.id,
            "was": battery.found_id,
            "switches": battery.switch_words,
        }
        words = (
            Msg(
                "Set {battery} at position {position} to ID {id} (was ID {was}): {switches}.",
                **values,
            )
            if battery.found_id is not None
            else Msg("Set {battery} at position {position} to ID {id}: {switches}.", **values)
        )
        action = SetId(battery.was_at, battery.position, battery.id)
        marked = battery.was_at if battery.was_at == battery.position else None
        steps.append(Change(words, Stage.ADDRESSES, (action,), battery=marked))
    if unset:
        positions = [b.position for b in unset]
        words = (
            Msg(
                "Set the ID of the battery at position {positions}, which the spec does not "
                "give, as 3 · DIP switches shows.",
                positions=_positions(positions),
            )
            if len(unset) == 1
            else Msg(
                "Set the IDs of the batteries at positions {positions}, which the spec does "
                "not give, as 3 · DIP switches shows.",
                positions=_positions(positions),
            )
        )
        actions = tuple(SetId(b.was_at, b.position, b.id) for b in unset)
        steps.append(Change(words, Stage.ADDRESSES, actions, batteries=tuple(positions)))
    return steps


# --- cables --------------------------------------------------------------------------------


def _cables(
    found: InstallPlan,
    corrected: InstallPlan,
    misplaced: Sequence[Misplaced],
    leaving: list[PlannedBattery],
) -> list[Change]:
    steps = [
        Change(_removal(wrong), Stage.CABLES, (RemoveListed(wrong.index),), removes=wrong.upper)
        for wrong in misplaced
    ]
    last = len(corrected.batteries) - len(leaving)  # the bank's last position afterwards
    if not found.cables_listed:
        return steps + _unlisted_steps(corrected)
    as_found = {cable.upper: cable.found_pins for cable in found.cables}
    breakers = cables.breaker_pins(corrected.models)
    for upper in sorted(as_found):
        if upper >= last and as_found[upper] is not None:  # it would join an empty position
            words = Msg(
                "Remove the cable between positions {upper} and {lower}: position {lower} "
                "stays empty.",
                upper=upper,
                lower=upper + 1,
            )
            action = CableWork(upper, Verb.REMOVE, None)
            steps.append(Change(words, Stage.CABLES, (action,), cables=(upper,)))
    kept: dict[frozenset[int], list[CableRun]] = {}
    for cable in corrected.cables:
        pins = as_found.get(cable.upper)
        wrong = cables.faults(pins, cable.kind, breakers)
        if not wrong and pins is not None:  # kept: said once per kind of cable, below
            kept.setdefault(pins, []).append(cable)
            continue
        words, verb = _cable_words(cable, pins, wrong, corrected)
        after = frozenset(cables.pins_of(cable.kind))
        steps.append(
            Change(
                words, Stage.CABLES, (CableWork(cable.upper, verb, after),), cables=(cable.upper,)
            )
        )
    for pins, runs in sorted(kept.items(), key=lambda item: item[1][0].upper):
        actions = tuple(CableWork(run.upper, Verb.KEEP, pins) for run in runs)
        steps.append(Change(_keep_words(runs, pins, corrected), Stage.CABLES, actions))
    return steps


def _keep_words(runs: list[CableRun], pins: frozenset[int], corrected: InstallPlan) -> Msg:
    """Why the cables with these pins stay where they are after the re-rack."""
    if len(runs) == 1:
        where = Msg(
            "the cable between positions {upper} and {lower}",
            upper=runs[0].upper,
            lower=runs[0].lower,
        )
    else:
        where = Msg(
            "the cables between positions {pairs}",
            pairs=join([f"{run.upper}–{run.lower}" for run in runs]),
        )
    if pins == cables.SIGNAL_PINS:
        return Msg("Keep {where} as found (pins 7 and 8 only): right in any position.", where=where)
    said = Msg("all 8 pins") if pins == cables.ALL_PINS else cables.pin_words(pins)
    if len(runs) == 1:
        return Msg(
            "Keep {where} as found ({pins}): it will join {ends}, two new-generation batteries.",
            where=where,
            pins=said,
            ends=_ends(runs[0], corrected),
        )
    return Msg(
        "Keep {where} as found ({pins}): each will join two new-generation batteries.",
        where=where,
        pins=said,
    )


def _removal(cable: Misplaced) -> Msg:
    if cable.why is Listing.SECOND:
        return Msg(
            "Remove the second cable listed between positions {upper} and {lower}.",
            upper=cable.upper,
            lower=cable.lower,
        )
    return Msg(
        "Remove the cable between positions {upper} and {lower}: a cable joins only two "
        "neighbours.",
        upper=cable.upper,
        lower=cable.lower,
    )


def _ends(cable: CableRun, corrected: InstallPlan) -> Msg:
    """'the LL-S and the LL-V2 (6 DIP)': the two batteries a cable position joins after the
    re-rack."""
    upper = corrected.batteries[cable.upper - 1].model.name
    lower = corrected.batteries[cable.lower - 1].model.name
    return Msg("the {upper} and the {lower}", upper=upper, lower=lower)


def _cable_words(
    cable: CableRun,
    pins: frozenset[int] | None,
    wrong: list[cables.CableFault],
    corrected: InstallPlan,
) -> tuple[Msg, Verb]:
    """What to do with the cable in this position, and why, in terms of the two batteries it
    joins after the re-rack."""
    pair: dict[str, Msg | int] = {
        "upper": cable.upper,
        "lower": cable.lower,
        "ends": _ends(cable, corrected),
    }
    wanted = Msg(cables.KINDS[cable.kind].wanted)
    first = wrong[0]
    if first.fault is Fault.MISSING:
        return Msg(
            "Add {wanted} between positions {upper} and {lower}, which will join {ends}: "
            "none is there, so no communication passes.",
            wanted=wanted,
            **pair,
        ), Verb.ADD
    if first.fault is Fault.NO_SIGNAL:
        return Msg(
            "Replace the cable between positions {upper} and {lower} with {wanted}: it lacks "
            "{missing}, so no communication passes.",
            wanted=wanted,
            missing=cables.pin_words(first.pins),
            **pair,
        ), Verb.REPLACE
    if first.fault is Fault.BREAKER:
        owners = join([model.name for model in cables.breaker_models(corrected.models)])
        return Msg(
            "Replace the cable between positions {upper} and {lower} with {wanted}: it will "
            "join {ends}, an older-generation end, and its {pins} would trip the {owners} "
            "breaker.",
            wanted=wanted,
            pins=cables.pin_words(first.pins),
            owners=owners,
            **pair,
        ), Verb.REPLACE
    return Msg(
        "Replace the cable between positions {upper} and {lower} with {wanted}: it will join "
        "{ends}, an older-generation end, where {pins} must be empty.",
        wanted=wanted,
        pins=cables.pin_words(first.pins),
        **pair,
    ), Verb.REPLACE


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
            models=join([model.name for model in breakers]),
        )
        if breakers
        else Msg("only pins 7 and 8 may be populated")
    )
    wanted = Msg(cables.KINDS[cables.RESTRICTED].wanted)
    steps = []
    for run in runs:
        if len(run) == 1:
            where = Msg(
                "between positions {upper} and {lower}", upper=run[0].upper, lower=run[0].lower
            )
        else:
            pairs = [f"{cable.upper}–{cable.lower}" for cable in run]
            where = Msg("between positions {pairs}", pairs=join(pairs))
        words = Msg(
            "Use {wanted} {where}: where an end is an older-generation battery, {why}.",
            wanted=wanted,
            where=where,
            why=why,
        )
        actions = tuple(CableWork(cable.upper, Verb.USE, frozenset(cable.pins)) for cable in run)
        steps.append(
            Change(words, Stage.CABLES, actions, cables=tuple(cable.upper for cable in run))
        )
    return steps


# --- which steps remove a finding ---------------------------------------------------------


def fixing(finding: Finding, steps: Sequence[Change], corrected: InstallPlan) -> tuple[int, ...]:
    """The numbers of the steps that remove a finding (empty: none does, or no procedure)."""
    where = finding.position
    if where is None:
        return ()

    def numbers(
        test: type[Action] | tuple[type[Action], ...], battery: int | None = None
    ) -> list[int]:
        found = []
        for number, step in enumerate(steps, start=1):
            for action in step.actions:
                if isinstance(action, test) and (
                    battery is None or getattr(action, "battery", None) == battery
                ):
                    found.append(number)
                    break
        return found

    code = finding.code
    chosen: list[int] = []
    if code in ("E101", "E111"):
        chosen = numbers(Blocked)
    elif code == "E102":
        master = corrected.batteries[0].was_at if corrected.batteries else where
        chosen = numbers(TakeOut, where) + numbers(Place, master)
    elif code in ("E103", "W201"):
        chosen = numbers(Place, where)
    elif code == "E104":  # its new ID; or, where its ID stays, the move that makes it right
        chosen = numbers(SetId, where) or numbers(Place, where)
    elif code == "E105":
        chosen = numbers(LeaveBank)
    elif code == "E110":
        chosen = numbers(UpdateFirmware, where)
    elif code == "W202":
        chosen = numbers(ReadFirmware)
    elif code == "E109":
        chosen = [n for n, step in enumerate(steps, start=1) if step.removes == where]
    elif code in ("E106", "E107", "E108"):
        chosen = [
            n
            for n, step in enumerate(steps, start=1)
            if any(
                isinstance(a, CableWork) and a.upper == where and a.verb is not Verb.KEEP
                for a in step.actions
            )
        ]
        if not chosen:  # right after the re-rack: taking out the batteries beside it removes it
            chosen = numbers(TakeOut, where) + numbers(TakeOut, where + 1)
            chosen += numbers(LeaveBank, where) + numbers(LeaveBank, where + 1)
    return tuple(sorted(set(chosen)))


def bring(steps: Sequence[Change]) -> Msg | None:
    """What the crew brings for the re-work: the new neighbour cables by kind and count, and
    the firmware-update cable when a battery's firmware is to be updated or read."""
    count: dict[cables.CableKind, int] = {}
    firmware = False
    for step in steps:
        for action in step.actions:
            if isinstance(action, CableWork) and action.verb in (Verb.REPLACE, Verb.ADD, Verb.USE):
                kind = cables.found_kind(action.pins) or "standard"
                count[kind] = count.get(kind, 0) + 1
            firmware = firmware or isinstance(action, UpdateFirmware | ReadFirmware)
    items = [
        Msg("{count} × {item}", count=number, item=Msg(cables.KINDS[kind].bom_item))
        for kind, number in count.items()
    ]
    if firmware:
        items.append(Msg("the firmware-update cable (PC to battery, RS485)"))
    if not items:
        return None
    return Msg("{items}.", items=_join_msgs(items))


def _join_msgs(items: list[Msg]) -> Msg:
    """'a; b; c' of sentence parts, each translated (the parts hold commas of their own)."""
    joined = items[0]
    for item in items[1:]:
        joined = Msg("{first}; {next}", first=joined, next=item)
    return joined
