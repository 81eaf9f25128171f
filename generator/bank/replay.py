"""A model of the rack, to replay a change list on: what is in each slot, what is plugged in.

`replay` plays the typed steps of `changes.change_steps` on the bank as found and answers
with the rack at the end, or raises `Unsafe` at the first step a crew could not do as
printed: a battery placed in a slot still taken, firmware updated after a battery moved or
with the bank connected, a battery moved with its DC cables on, an address set on a battery
that is not where the step says, commissioning a rack with an empty slot, a wrong address or
a wrong cable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from generator.bank import cables
from generator.bank.changes import (
    Blocked,
    CableWork,
    Change,
    Commission,
    DisconnectDc,
    LeaveBank,
    Place,
    ReadFirmware,
    RemoveListed,
    SetId,
    SwitchOff,
    TakeOut,
    Unplug,
    UpdateFirmware,
    Verb,
)
from generator.bank.plan import InstallPlan

UNKNOWN = frozenset({0})  # a cable position whose cable the spec does not list


class Unsafe(Exception):
    """A step that cannot be done as printed, at that point of the work."""


@dataclass
class Rack:
    """The rack at one moment of the work. Batteries are known by their position as found."""

    slots: dict[int, int | None]  # rack position -> battery in it
    ids: dict[int, int | None]  # battery -> ID its switches are set to (None: not known)
    firmware_ok: dict[int, bool | None]  # battery -> runs the required firmware (None: unknown)
    cables: dict[int, frozenset[int] | None]  # upper position -> pins (None: no cable)
    strays: set[int]  # listed cables that join no two neighbours, by index
    dc_connected: dict[int, bool] = field(default_factory=dict)
    out: set[int] = field(default_factory=set)  # taken out, to be placed again
    gone: set[int] = field(default_factory=set)  # out of this bank for good
    powered_off: bool = False
    unplugged: bool = False
    moved: bool = False  # a battery has come out of its slot
    commissioned: bool = False

    @classmethod
    def as_found(cls, found: InstallPlan) -> Rack:
        batteries = [b.was_at for b in found.batteries]
        return cls(
            slots={position: position for position in batteries},
            ids={b.was_at: b.found_id for b in found.batteries},
            firmware_ok={b.was_at: b.firmware_ok for b in found.batteries},
            cables={
                cable.upper: cable.found_pins if found.cables_listed else UNKNOWN
                for cable in found.cables
            },
            strays=set(),
            dc_connected=dict.fromkeys(batteries, True),
        )

    def order(self) -> list[int]:
        """The batteries in the rack, top down (empty slots at the bottom cut off)."""
        filled = [self.slots[slot] for slot in sorted(self.slots)]
        while filled and filled[-1] is None:
            filled.pop()
        if None in filled:
            raise Unsafe(f"an empty slot in the rack: {filled}")
        return [battery for battery in filled if battery is not None]


def replay(steps: Sequence[Change], found: InstallPlan, strays: Sequence[int] = ()) -> Rack:
    """Play the steps in order on the bank as found; the rack at the end."""
    rack = Rack.as_found(found)
    rack.strays = set(strays)
    for number, step in enumerate(steps, start=1):
        for action in step.actions:
            try:
                _do(rack, action, found)
            except Unsafe as problem:
                raise Unsafe(f"step {number} ({step.text}): {problem}") from None
    return rack


def _do(rack: Rack, action: object, found: InstallPlan) -> None:
    if isinstance(action, Blocked):
        raise Unsafe("the bank cannot be planned")
    if isinstance(action, SwitchOff):
        rack.powered_off = True
    elif isinstance(action, Unplug):
        _need(rack.powered_off, "cables unplugged with the power on")
        rack.unplugged = True
    elif isinstance(action, DisconnectDc):
        _need(rack.powered_off, "DC cables disconnected with the power on")
        for battery in action.batteries:
            rack.dc_connected[battery] = False
    elif isinstance(action, UpdateFirmware | ReadFirmware):
        _need(not rack.moved, "firmware after a battery has moved")
        _need(rack.unplugged, "firmware with the bank's cables plugged in")
        batteries = (action.battery,) if isinstance(action, UpdateFirmware) else action.batteries
        for battery in batteries:
            _need(battery in rack.slots.values(), f"battery {battery} is not in its slot")
            rack.firmware_ok[battery] = True
    elif isinstance(action, TakeOut | LeaveBank):
        _need(rack.slots.get(action.slot) == action.battery, f"slot {action.slot} holds another")
        _need(not rack.dc_connected[action.battery], "a battery taken out with its DC cables on")
        rack.slots[action.slot] = None
        rack.moved = True
        (rack.gone if isinstance(action, LeaveBank) else rack.out).add(action.battery)
    elif isinstance(action, Place):
        _need(action.battery in rack.out, f"battery {action.battery} is not out of the rack")
        _need(rack.slots.get(action.slot) is None, f"slot {action.slot} is still taken")
        rack.slots[action.slot] = action.battery
        rack.out.discard(action.battery)
        rack.dc_connected[action.battery] = True
    elif isinstance(action, SetId):
        _need(rack.slots.get(action.slot) == action.battery, f"no battery {action.battery} there")
        rack.ids[action.battery] = action.id
    elif isinstance(action, RemoveListed):
        _need(action.index in rack.strays, f"no stray cable {action.index}")
        rack.strays.discard(action.index)
    elif isinstance(action, CableWork):
        there = rack.cables.get(action.upper)
        if action.verb is Verb.KEEP:
            _need(there == action.pins, f"kept cable {action.upper} is not as said: {there}")
        elif action.verb is Verb.ADD:
            _need(there is None, f"a cable is already between {action.upper} and the next")
        elif action.verb in (Verb.REPLACE, Verb.REMOVE):
            _need(there not in (None, UNKNOWN), f"no cable to take out at {action.upper}")
        rack.cables[action.upper] = action.pins
    elif isinstance(action, Commission):
        _commission(rack, found)
    else:  # pragma: no cover - every action is handled above
        raise Unsafe(f"unknown action {action!r}")


def _commission(rack: Rack, found: InstallPlan) -> None:
    """5 · Commissioning: every battery in, on its ID, its firmware right, every cable fit."""
    _need(not rack.out, f"batteries still out of the rack: {sorted(rack.out)}")
    order = rack.order()
    models = {b.was_at: b.model for b in found.batteries}
    for position, battery in enumerate(order, start=1):
        _need(rack.dc_connected[battery], f"battery at {position} has no DC cables")
        _need(rack.ids[battery] == position, f"battery at {position} has ID {rack.ids[battery]}")
        _need(rack.firmware_ok[battery] is not False, f"battery at {position}: old firmware")
        dip = models[battery].dip
        _need(dip.id_low <= position <= dip.id_high, f"ID {position} is beyond its table")
    _need(not rack.strays, "a stray cable is still listed")
    in_bank = [models[battery] for battery in order]
    breakers = cables.breaker_pins(in_bank)
    for upper, kind in enumerate(cables.required_kinds(in_bank), start=1):
        pins = rack.cables.get(upper)
        if pins == UNKNOWN:  # the spec lists no cables: 4 · Cables is the only word on them
            _need(kind == "standard", f"the cable {upper}-{upper + 1} needs a step")
            continue
        _need(not cables.faults(pins, kind, breakers), f"the cable {upper}: {pins} for {kind}")
    for upper, pins in rack.cables.items():
        if upper >= len(order):
            _need(pins in (None, UNKNOWN), f"a cable to an empty position at {upper}")
    rack.commissioned = True


def _need(condition: bool, problem: str) -> None:
    if not condition:
        raise Unsafe(problem)
