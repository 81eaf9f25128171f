"""SVG text laid out once per run, not once per letter.

WeasyPrint 70 draws an SVG `<text>` letter by letter: every letter gets a Pango layout of
its own and is set where the previous one ended, so that `x`, `dx` or `rotate` lists can
place each one. The sheet's drawings (title block on every page, rack, DIP blocks) place
whole runs only, and laying out each letter was about 10 % of a small sheet's build (the
title block alone some 10 ms a page: 112 letters on a one-battery sheet).

`install` puts `text` in WeasyPrint's table of SVG elements: a run that nothing places
letter by letter (one `x` and one `y` at most; no `dx`, `dy`, `rotate`, `textLength`,
`letter-spacing` or direction) is laid out and drawn as one line, with
kerning and ligatures off, as the letters were (each letter alone has neither), so every
glyph stands where WeasyPrint set it, within rounding (a thousandth of a point), and the
PDF holds the same text. Anything else is drawn by WeasyPrint's own function. A test
draws the sheet's drawings both ways and compares (tests/test_svg_text.py).
"""

from __future__ import annotations

import importlib
import threading
from math import inf
from typing import Any

from generator.sheet import libraries  # noqa: F401  (before WeasyPrint: see there)

# isort: split
import weasyprint.svg as weasy_svg
from weasyprint.css.properties import INITIAL_VALUES
from weasyprint.draw.text import draw_emojis, draw_first_line
from weasyprint.matrix import Matrix
from weasyprint.svg.bounding_box import extend_bounding_box
from weasyprint.svg.utils import normalize, size
from weasyprint.text.line_break import split_first_line

_letters = importlib.import_module("weasyprint.svg.text")  # `weasyprint.svg.text` is a name too
LETTER_BY_LETTER = _letters.text  # WeasyPrint's own
PLACED_LETTERS = (
    "dx",
    "dy",
    "rotate",
    "textLength",
    "letter-spacing",
    "direction",
)
WEIGHTS = {"normal": 400, "bold": 700}
_lock = threading.Lock()


def whole_run(node: Any) -> bool:
    """Whether nothing in the node places its letters one by one."""
    attrib = node.attrib
    if not node.text or any(name in attrib for name in PLACED_LETTERS):
        return False
    return all(len(normalize(attrib[axis]).split()) == 1 for axis in ("x", "y") if axis in attrib)


def text(svg: Any, node: Any, font_size: float) -> None:
    """Draw a text node: a run at once where `whole_run`, else letter by letter."""
    if not whole_run(node):
        LETTER_BY_LETTER(svg, node, font_size)
        return
    style = _letters.Style()
    style.update(INITIAL_VALUES)
    style.font_config = svg.font_config
    style["font_family"] = [
        font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")
    ]
    style["font_style"] = node.get("font-style", "normal")
    weight = node.get("font-weight", 400)
    try:
        style["font_weight"] = WEIGHTS.get(weight) or int(weight)
    except ValueError:
        style["font_weight"] = 400
    style["font_size"] = font_size
    style["font_kerning"] = "none"  # a letter laid out alone is neither kerned
    style["font_variant_ligatures"] = "none"  # nor joined to the next
    layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)

    # Where WeasyPrint sets a run's first letter (a zero `x` keeps the cursor's shift, as
    # there).
    attrib = node.attrib
    x = size(normalize(attrib["x"]).strip(), font_size, svg.inner_width) if "x" in attrib else None
    y = size(normalize(attrib["y"]).strip(), font_size, svg.inner_height) if "y" in attrib else None
    if x:
        svg.cursor_d_position[0] = 0
    if y:
        svg.cursor_d_position[1] = 0
    x = svg.cursor_position[0] if x is None else x
    y = svg.cursor_position[1] if y is None else y
    svg.cursor_position = x + width, y
    x_position = x + svg.cursor_d_position[0]
    y_position = y + svg.cursor_d_position[1] + _baseline_shift(node, font_size, height)
    node.text_bounding_box = extend_bounding_box(
        node.text_bounding_box,
        ((x_position, y_position - baseline), (x_position + width, y_position - baseline + height)),
    )

    svg.stream.push_state()
    fill, stroke = svg.set_graphical_state(node, font_size)
    svg.stream.begin_text()
    layout.reactivate(style)
    svg.fill_stroke(fill, stroke, text=True)
    box = _letters.TextBox(layout, style)
    box.baseline = baseline
    matrix = Matrix(a=1, d=-1, e=x_position, f=y_position)
    emojis = draw_first_line(svg.stream, box, "none", "none", matrix)
    svg.stream.end_text()
    svg.stream.pop_state()
    draw_emojis(svg.stream, style, x, y, emojis)


def _baseline_shift(node: Any, font_size: float, height: float) -> float:
    """How far WeasyPrint moves a text down for its baseline attributes (its own hack,
    copied: ascent and descent taken as 0.8 and 0.2 of the size)."""
    ascent, descent = font_size * 0.8, font_size * 0.2
    anchor = node.get("display-anchor")
    baseline = node.get("dominant-baseline", node.get("alignment-baseline"))
    if anchor == "middle":
        return -height / 2
    if anchor == "top":
        return 0.0
    if anchor == "bottom":
        return -height
    if baseline in ("central", "middle"):
        return (ascent + descent) / 2 - descent
    if baseline in ("text-before-edge", "before_edge", "top", "hanging", "text-top"):
        return ascent
    if baseline in ("text-after-edge", "after_edge", "bottom", "text-bottom"):
        return -descent
    return 0.0


def install() -> None:
    """Draw SVG text with `text` from now on (once per process; idempotent). WeasyPrint
    tells text elements by their function (`TAGS[tag] == text`), so its name is replaced
    along with the table's entries."""
    with _lock:
        if weasy_svg.text is text:
            return
        for tag, function in weasy_svg.TAGS.items():
            if function is LETTER_BY_LETTER:
                weasy_svg.TAGS[tag] = text
        weasy_svg.text = text
