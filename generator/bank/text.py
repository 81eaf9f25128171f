"""Characters that are not text: found in spec values (E002) and escaped on the terminal.

YAML's double-quoted escapes let any code point into a value ("\\e", "\\0", "\\uFFFE"). On
the sheet such a character breaks the figure it lands in; on a terminal it is a command.

Invisible format characters are refused too. A bidirectional control (a right-to-left
override, an isolate, a mark) reorders the text around it, and each part of the sheet lays
text out its own way: `serial: "SN-\\u202E4321\\u202C-X"` printed SN-4321-X in the rack and
SN-1234-X in the checklist. Zero-width and other invisible characters make two values that
look the same differ. Free text (notes) keeps only the two joiners (U+200C, U+200D), which
some scripts and emoji need and which never reorder anything.
"""

from __future__ import annotations

import re

from generator.bank.i18n import N_, Msg

NAMES = {
    "\t": N_("a tab"),
    "\n": N_("a line break"),
    "\r": N_("a carriage return"),
    "\x00": N_("a NUL character"),
    "\x07": N_("a bell character"),
    "\x08": N_("a backspace"),
    "\x0b": N_("a vertical tab"),
    "\x0c": N_("a form feed"),
    "\x1b": N_("an escape character"),
    "\x7f": N_("a delete character"),
    "\x85": N_("a next-line character"),
    "\u2028": N_("a line separator"),
    "\u2029": N_("a paragraph separator"),
    "\u00ad": N_("a soft hyphen"),
    "\u061c": N_("an Arabic letter mark"),
    "\u200b": N_("a zero-width space"),
    "\u200c": N_("a zero-width non-joiner"),
    "\u200d": N_("a zero-width joiner"),
    "\u200e": N_("a left-to-right mark"),
    "\u200f": N_("a right-to-left mark"),
    "\u202a": N_("a left-to-right embedding"),
    "\u202b": N_("a right-to-left embedding"),
    "\u202c": N_("a pop directional formatting"),
    "\u202d": N_("a left-to-right override"),
    "\u202e": N_("a right-to-left override"),
    "\u2060": N_("a word joiner"),
    "\u2066": N_("a left-to-right isolate"),
    "\u2067": N_("a right-to-left isolate"),
    "\u2068": N_("a first strong isolate"),
    "\u2069": N_("a pop directional isolate"),
    "\ufeff": N_("a zero-width no-break space"),
}

# C0 and C1 controls, DEL, surrogates, the Unicode line and paragraph separators, and the
# noncharacters (U+FDD0-U+FDEF and the last two code points of every plane). One list for
# the loader's check, the terminal's escaping and the JSON Schema's pattern.
NOT_TEXT_RANGES = [
    (0x00, 0x1F),
    (0x7F, 0x9F),
    (0xD800, 0xDFFF),
    (0x2028, 0x2029),
    (0xFDD0, 0xFDEF),
    *((plane << 16 | 0xFFFE, plane << 16 | 0xFFFF) for plane in range(17)),
]
# Invisible format characters: bidirectional controls and marks, zero-width characters,
# fillers that draw nothing, interlinear annotation, tags.
INVISIBLE_RANGES = [
    (0x00AD, 0x00AD),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE007F),
]
NOT_TEXT_RANGES += INVISIBLE_RANGES
LINE_BREAK = 0x0A
FREE_TEXT_ALLOWS = (LINE_BREAK, 0x200C, 0x200D)  # where several lines are allowed (notes)


def not_text_class(multiline: bool = False, bmp: bool = False) -> str:
    """The ranges as a regular-expression character class body (no brackets); `bmp` keeps
    what a JSON Schema pattern (ECMA-262, \\uXXXX escapes) can say: no surrogates, nothing
    above U+FFFF."""
    ranges: list[tuple[int, int]] = []
    for low, high in NOT_TEXT_RANGES:
        if bmp and (high > 0xFFFF or (low >= 0xD800 and high <= 0xDFFF)):
            continue
        for allowed in FREE_TEXT_ALLOWS if multiline else ():
            if low <= allowed <= high:
                if low < allowed:
                    ranges.append((low, allowed - 1))
                low = allowed + 1
        if low <= high:
            ranges.append((low, high))

    def escape(code: int) -> str:
        return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"

    return "".join(
        escape(low) if low == high else f"{escape(low)}-{escape(high)}" for low, high in ranges
    )


NOT_TEXT = re.compile(f"[{not_text_class()}]")


def name_of(char: str) -> str:
    """'a form feed': what the character is called, so the user can find it."""
    if char in NAMES:
        return NAMES[char]
    if 0xFDD0 <= ord(char) <= 0xFDEF or ord(char) & 0xFFFE == 0xFFFE:
        return N_("a noncharacter")
    if 0xD800 <= ord(char) <= 0xDFFF:
        return N_("a lone surrogate")
    if is_invisible(char):
        return N_("an invisible formatting character")
    return N_("a control character")


def is_invisible(char: str) -> bool:
    """Whether the character is one of the invisible format characters above."""
    return any(low <= ord(char) <= high for low, high in INVISIBLE_RANGES)


def describe(char: str) -> Msg:
    """'a form feed (U+000C)'."""
    return Msg("{name} (U+{code})", name=Msg(name_of(char)), code=f"{ord(char):04X}")


def unprintable(text: str, multiline: bool = False) -> tuple[int, Msg] | None:
    """The index and name of the first character that is not text (a line break is text
    where several lines are allowed), or None."""
    for match in NOT_TEXT.finditer(text):
        if multiline and ord(match.group()) in FREE_TEXT_ALLOWS:
            continue
        return match.start(), describe(match.group())
    return None


def escape_controls(text: str) -> str:
    """Text safe to print on a terminal: line breaks and tabs stay, every other character
    that is not text is shown as an escape (\\x1b, \\u2028)."""
    return NOT_TEXT.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in "\n\t":
        return char
    return char.encode("unicode_escape").decode("ascii")
