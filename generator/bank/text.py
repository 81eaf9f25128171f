"""Characters that are not text: found in spec values (E002) and escaped on the terminal.

YAML's double-quoted escapes let any code point into a value ("\\e", "\\0", "\\uFFFE"). On
the sheet such a character breaks the figure it lands in; on a terminal it is a command.
"""

from __future__ import annotations

import re

NAMES = {
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
    "\x00": "a NUL character",
    "\x07": "a bell character",
    "\x08": "a backspace",
    "\x0b": "a vertical tab",
    "\x0c": "a form feed",
    "\x1b": "an escape character",
    "\x7f": "a delete character",
    "\x85": "a next-line character",
    "\u2028": "a line separator",
    "\u2029": "a paragraph separator",
}

# C0 and C1 controls, DEL, surrogates, the Unicode line and paragraph separators, and the
# noncharacters (U+FDD0-U+FDEF and the last two code points of every plane).
_NONCHARACTERS = "".join(
    f"\\U{plane << 16 | 0xFFFE:08x}\\U{plane << 16 | 0xFFFF:08x}" for plane in range(17)
)
NOT_TEXT = re.compile(
    "[\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff\\u2028\\u2029\\ufdd0-\\ufdef" + _NONCHARACTERS + "]"
)


def describe(char: str) -> str:
    """'a form feed (U+000C)': the character named, so the user can find it."""
    name = NAMES.get(char)
    if name is None:
        name = (
            "a noncharacter"
            if 0xFDD0 <= ord(char) <= 0xFDEF or ord(char) & 0xFFFE == 0xFFFE
            else ("a control character")
        )
    return f"{name} (U+{ord(char):04X})"


def unprintable(text: str, multiline: bool = False) -> tuple[int, str] | None:
    """The index and name of the first character that is not text (a line break is text
    where several lines are allowed), or None."""
    for match in NOT_TEXT.finditer(text):
        if multiline and match.group() == "\n":
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
