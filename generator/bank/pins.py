"""The pins of a neighbour cable: which exist, which carry the batteries' signal, in words.

Below both the catalog (which checks its wiring against the signal pins) and the cable rule.
"""

from __future__ import annotations

from generator.bank.i18n import Msg, join

SIGNAL_PINS = frozenset({7, 8})  # RS485 between batteries: the only pins that carry a signal
ALL_PINS = frozenset(range(1, 9))


def pin_words(pins: frozenset[int] | set[int], conjunction: str = "and") -> Msg:
    """'pin 3', 'pins 1, 2 and 3' or 'pins 3 or 6', as a sentence part to translate."""
    numbers = [str(number) for number in sorted(pins)]
    if len(numbers) == 1:
        return Msg("pin {pin}", pin=numbers[0])
    return Msg("pins {numbers}", numbers=join(numbers, conjunction))


def pin_list(pins: frozenset[int] | set[int], conjunction: str = "and") -> str:
    """'pin 3', 'pins 1, 2 and 3' or 'pins 3 or 6'."""
    return str(pin_words(pins, conjunction))
