"""Fitting text into a fixed box: measure it with the sheet's own font, shrink it down to a
floor, wrap it onto a set number of lines, and end it in an ellipsis when it still does not
fit. The title block and the rack drawing use it, so long job fields, serials and inverter
names stay inside their boxes and never push anything off the page.

Widths come from the font's advance widths (no kerning, which only narrows text), with a
small margin, so a line measured to fit here also fits when WeasyPrint sets it.

Lines break at spaces only: a word (a quote or licence number, a date, a model name) is never
split over two lines (issue 18). A word too long for its box at the smallest size is cut with
an ellipsis, and the fitting says so (`Fitted.cut`), so the sheet can print the text in full
elsewhere. A no-break space (U+00A0) joins words that must stay on one line ("TECL 34567").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from generator.sheet import assets

ELLIPSIS = "…"
NBSP = "\u00a0"
SAFETY = 1.04  # measured widths are stretched by this much: room for rounding and shaping
SPACES = re.compile(r"[ \t\r\n]+")  # where a line may break: ordinary spaces, never U+00A0


@dataclass(frozen=True)
class Fitted:
    """Text set in a box: its size in points and its lines, the last one perhaps cut short."""

    size: float
    lines: tuple[str, ...]
    cut: bool = False  # the text did not fit whole: the last line ends in an ellipsis


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


def fits(lines: list[str], room: float, size: float, bold: bool = False) -> bool:
    """Whether every line is no wider than `room` (a word too long for a line is not)."""
    return all(width(line, size, bold) <= room for line in lines)


def fit(text: str, room: float, sizes: tuple[float, ...], lines: int, bold: bool = False) -> Fitted:
    """The largest of `sizes` at which `text` wraps onto at most `lines` lines of `room`
    points, every word whole; at the smallest size, the lines that fit, the last one cut
    with an ellipsis (a word too long for a line ends the text there)."""
    for size in sizes:
        wrapped = wrap(text, room, size, bold)
        if len(wrapped) <= lines and fits(wrapped, room, size, bold):
            return Fitted(size, tuple(wrapped))
    size = sizes[-1]
    wrapped = wrap(text, room, size, bold)
    kept: list[str] = []
    for line in wrapped[:lines]:
        kept.append(line)
        if width(line, size, bold) > room:
            break
    rest = " ".join(wrapped[len(kept) - 1 :])
    kept[-1] = clip(rest + ELLIPSIS, room, size, bold)
    if not kept[-1].endswith(ELLIPSIS):
        kept[-1] = clip(kept[-1] + ELLIPSIS, room, size, bold)
    return Fitted(size, tuple(kept), cut=True)


def wrap(text: str, room: float, size: float, bold: bool = False) -> list[str]:
    """Greedy line breaking at spaces; a word too long for a line stands alone on its line,
    whole (wider than `room`: `fit` cuts it). No-break spaces join words and print as spaces."""
    lines: list[str] = []
    line = ""
    for word in SPACES.split(text.strip()):
        candidate = f"{line} {word}" if line else word
        if not line or width(candidate, size, bold) <= room:
            line = candidate
            continue
        lines.append(line)
        line = word
    if line:
        lines.append(line)
    return [line.replace(NBSP, " ") for line in lines]
