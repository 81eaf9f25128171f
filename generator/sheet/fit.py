"""Fitting text into a fixed box: measure it with the sheet's own font, shrink it down to a
floor, wrap it onto a set number of lines, and end it in an ellipsis when it still does not
fit. The title block and the rack drawing use it, so long job fields, serials and inverter
names stay inside their boxes and never push anything off the page.

Widths come from the font's advance widths (no kerning, which only narrows text), with a
small margin, so a line measured to fit here also fits when WeasyPrint sets it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from generator.sheet import assets

ELLIPSIS = "…"
SAFETY = 1.04  # measured widths are stretched by this much: room for rounding and shaping
# Where a line may break inside a word with no spaces: after a hyphen, slash or underscore.
BREAK_AFTER = re.compile(r"(?<=[-/_,.])")


@dataclass(frozen=True)
class Fitted:
    """Text set in a box: its size in points and its lines, the last one perhaps cut short."""

    size: float
    lines: tuple[str, ...]


@cache
def _advances(bold: bool) -> tuple[dict[int, float], float]:
    """Advance width of each character in ems, and a fallback for characters not in the font."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # WeasyPrint's own

    name = "AtkinsonHyperlegible-Bold.ttf" if bold else "AtkinsonHyperlegible-Regular.ttf"
    with TTFont(str(assets.FONTS / name), lazy=True) as font:
        scale = 1 / font["head"].unitsPerEm
        metrics = font["hmtx"].metrics
        widths = {code: metrics[glyph][0] * scale for code, glyph in font.getBestCmap().items()}
    fallback = max(widths[ord("M")], widths[ord("W")])  # a stranger glyph: assume it is wide
    return widths, fallback


def width(text: str, size: float, bold: bool = False) -> float:
    """The width of one line of text in points, with room to spare."""
    return advance(text, size, bold) * SAFETY


def advance(text: str, size: float, bold: bool = False) -> float:
    """The sum of the characters' advance widths in points: the width WeasyPrint gives a line
    of SVG text, which it sets one character at a time."""
    widths, fallback = _advances(bold)
    return sum(widths.get(ord(char), fallback) for char in text) * size


def clip(text: str, room: float, size: float, bold: bool = False) -> str:
    """One line that fits `room` points: the text itself, or its start and an ellipsis."""
    if width(text, size, bold) <= room:
        return text
    cut = len(text)
    while cut > 0 and width(text[:cut].rstrip() + ELLIPSIS, size, bold) > room:
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS


def fit(text: str, room: float, sizes: tuple[float, ...], lines: int, bold: bool = False) -> Fitted:
    """The largest of `sizes` at which `text` wraps onto at most `lines` lines of `room`
    points; at the smallest size, the first `lines` lines with an ellipsis at the end."""
    for size in sizes:
        wrapped = wrap(text, room, size, bold)
        if len(wrapped) <= lines:
            return Fitted(size, tuple(wrapped))
    size = sizes[-1]
    wrapped = wrap(text, room, size, bold)
    kept = wrapped[:lines]
    rest = " ".join(wrapped[lines - 1 :])
    kept[-1] = clip(rest + ELLIPSIS, room, size, bold) if rest else kept[-1]
    if not kept[-1].endswith(ELLIPSIS):
        kept[-1] = clip(kept[-1] + ELLIPSIS, room, size, bold)
    return Fitted(size, tuple(kept))


def wrap(text: str, room: float, size: float, bold: bool = False) -> list[str]:
    """Greedy line breaking at spaces; a word too long for a line breaks after a hyphen or
    slash, and failing that anywhere."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if width(candidate, size, bold) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for piece in _pieces(word, room, size, bold):
            candidate = line + piece
            if width(candidate, size, bold) <= room:
                line = candidate
            else:
                if line:
                    lines.append(line)
                line = piece
    if line:
        lines.append(line)
    return lines


def _pieces(word: str, room: float, size: float, bold: bool) -> list[str]:
    """A long word cut where it may break, each piece no wider than a line."""
    pieces: list[str] = []
    for part in BREAK_AFTER.split(word):
        while part and width(part, size, bold) > room:
            cut = len(part) - 1
            while cut > 1 and width(part[:cut], size, bold) > room:
                cut -= 1
            pieces.append(part[:cut])
            part = part[cut:]
        if part:
            pieces.append(part)
    return pieces
