"""The neighbour-cable rule, in one place (domain rule 5).

Cable kinds with their pins and labels, which neighbour pairs of a bank need which kind,
and what is wrong with a cable as found. The rules, the plan, the correction, `plan --fix`,
the rack drawing, the sheet and the text output all ask this module; none re-derives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from generator.bank.catalog import BatteryModel
from generator.bank.i18n import N_, Msg
from generator.bank.pins import ALL_PINS, SIGNAL_PINS, pin_list, pin_words

__all__ = ["ALL_PINS", "SIGNAL_PINS", "pin_list", "pin_words"]  # with the rule's own names

RackPosition = int
CableKind = Literal["standard", "pins-7-8-only"]  # the plan JSON contract's words


@dataclass(frozen=True)
class KindText:
    """How a cable kind is named: on drawings and in tables, in sentences, and in the BOM."""

    pins: frozenset[int]
    label: str  # tables and the terminal: loud
    drawn: str  # beside the cable in the rack drawing
    short: str  # a column header, a cable as found
    name: str  # in a sentence: "a standard cable", "cable 4-5 replaced (pins 7 and 8 only)"
    wanted: str  # "replace it with …"
    bom_item: str
    bom_note: str


# The words are marked for translation (N_) and translated where they are printed.
KINDS: dict[CableKind, KindText] = {
    "standard": KindText(
        ALL_PINS,
        N_("standard Cat5e patch"),
        N_("standard"),
        N_("standard"),
        N_("standard"),
        N_("a standard Cat5e patch cable"),
        N_("Neighbour cable, standard Cat5e patch"),
        N_("all 8 pins, straight through (T568B)"),
    ),
    "pins-7-8-only": KindText(
        SIGNAL_PINS,
        N_("PINS 7+8 ONLY"),
        N_("PINS 7+8 ONLY"),
        N_("7+8 only"),
        N_("pins 7 and 8 only"),
        N_("a cable with only pins 7 and 8 populated"),
        N_("Neighbour cable, pins 7 and 8 only"),
        N_("Cat5e, only pins 7 and 8 populated, straight through"),
    ),
}
RESTRICTED: CableKind = "pins-7-8-only"


def pins_of(kind: CableKind) -> tuple[int, ...]:
    return tuple(sorted(KINDS[kind].pins))


def label(kind: CableKind) -> str:
    return KINDS[kind].label


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


def required_kinds(models: Sequence[BatteryModel]) -> list[CableKind]:
    """The kind each neighbour cable needs, top pair (1-2) first, for batteries in this order."""
    start = restricted_from(models)
    return [
        RESTRICTED if start is not None and upper >= start else "standard"
        for upper in range(1, len(models))
    ]


def breaker_models(models: Sequence[BatteryModel]) -> list[BatteryModel]:
    """The models in this bank whose breaker trips on a signal on some pins (the LL-S)."""
    return list({m.name: m for m in models if m.breaker_pins}.values())


def breaker_pins(models: Sequence[BatteryModel]) -> frozenset[int]:
    return frozenset(pin for model in breaker_models(models) for pin in model.breaker_pins)


class Fault(Enum):
    MISSING = "missing"  # no cable between two neighbours
    NO_SIGNAL = "no signal"  # pin 7 or 8 is not connected
    BREAKER = "breaker"  # a pin that trips a breaker is populated where only 7 and 8 may be
    EXTRA = "extra"  # other pins besides 7 and 8 where only 7 and 8 may be


@dataclass(frozen=True)
class CableFault:
    fault: Fault
    pins: frozenset[int]  # the pins concerned: missing, breaker or extra ones


def faults(
    found: frozenset[int] | None, need: CableKind, breakers: frozenset[int]
) -> list[CableFault]:
    """What is wrong with a cable as found (None: no cable) where `need` is required.

    A cable with breaker pins is reported for those only, not also for its other extra pins.
    """
    if found is None:
        return [CableFault(Fault.MISSING, SIGNAL_PINS)]
    wrong = []
    if not found >= SIGNAL_PINS:
        wrong.append(CableFault(Fault.NO_SIGNAL, SIGNAL_PINS - found))
    if need == RESTRICTED:
        if found & breakers:
            wrong.append(CableFault(Fault.BREAKER, found & breakers))
        elif found - SIGNAL_PINS:
            wrong.append(CableFault(Fault.EXTRA, found - SIGNAL_PINS))
    return wrong


class Listing(Enum):
    STRAY = "stray"  # does not join two neighbours of this bank
    SECOND = "second"  # a neighbour pair listed before


@dataclass(frozen=True)
class Misplaced:
    """A cable the spec lists that cannot be in the bank as listed: the installer removes it."""

    index: int  # in the spec's list of cables
    upper: RackPosition
    lower: RackPosition
    why: Listing


def misplaced(listed: Sequence[tuple[RackPosition, RackPosition]], slots: int) -> list[Misplaced]:
    """The listed cables that join no two neighbours of a bank of `slots`, or repeat a pair."""
    found: list[Misplaced] = []
    seen: set[tuple[int, int]] = set()
    for index, pair in enumerate(listed):
        upper, lower = sorted(pair)
        if lower - upper != 1 or lower > slots:
            found.append(Misplaced(index, upper, lower, Listing.STRAY))
        elif (upper, lower) in seen:
            found.append(Misplaced(index, upper, lower, Listing.SECOND))
        seen.add((upper, lower))
    return found


def found_kind(found: frozenset[int] | None) -> CableKind | None:
    """The kind a cable as found is (for drawing it), or None when it is neither."""
    if found == SIGNAL_PINS:
        return RESTRICTED
    if found == ALL_PINS:
        return "standard"
    return None


def describe_found(found: frozenset[int] | None, listed: bool) -> Msg:
    """A cable as found, in a few words for the As found drawing."""
    if not listed:
        return Msg("not listed")
    if found is None:
        return Msg("MISSING")
    if not found:
        return Msg("no pins")
    if found == SIGNAL_PINS:
        return Msg(KINDS[RESTRICTED].short)
    if found == ALL_PINS:
        return Msg("all 8 pins")
    return Msg("pins {numbers}", numbers=",".join(str(pin) for pin in sorted(found)))
