"""The title block as one small SVG: boxes with a label and fitted lines of text.

Drawn once per sheet and printed on every page; an image costs the renderer far less than
laying out the same boxes again on each page. The view decides every word and size (text is
fitted to its box there); this only places it. Every piece of spec text is XML-escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

FONT = "Atkinson Hyperlegible, sans-serif"
LABEL_SIZE = 7.0  # points
LEADING = 1.15
PAD_X, PAD_TOP = 4.0, 2.5


@dataclass(frozen=True)
class Cell:
    """A box of the title block, in points from its top left."""

    x: float
    y: float
    width: float
    height: float
    label: tuple[str, ...]  # the small capitals above the value, in lines (none: no label)
    size: float  # of the value's text
    lines: tuple[str, ...]
    bold: bool = False
    text_top: float = 0.0  # extra room above the value (for a logo), in points
    leading: float = LEADING


def title_block_svg(cells: list[Cell], width: float, height: float) -> str:
    """The whole block: a heavy outer frame, a thin line around each cell."""
    parts = [
        f'<rect x="0.75" y="0.75" width="{width - 1.5:.2f}" height="{height - 1.5:.2f}" '
        'fill="#fff" stroke="#000" stroke-width="1.5"/>'
    ]
    for cell in cells:
        if cell.width and cell.height:
            parts.append(
                f'<rect x="{cell.x:.2f}" y="{cell.y:.2f}" width="{cell.width:.2f}" '
                f'height="{cell.height:.2f}" fill="none" stroke="#000" stroke-width="0.75"/>'
            )
        top = cell.y + PAD_TOP + cell.text_top
        for index, line in enumerate(cell.label):
            y = top + LABEL_SIZE * (0.9 + index * LEADING)
            parts.append(_text(cell.x + PAD_X, y, line, LABEL_SIZE))
        if cell.label:
            top += LABEL_SIZE * (1.25 + (len(cell.label) - 1) * LEADING)
        for line in cell.lines:
            parts.append(_text(cell.x + PAD_X, top + cell.size * 0.92, line, cell.size, cell.bold))
            top += cell.size * cell.leading
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.2f}pt" height="{height:.2f}pt" '
        f'viewBox="0 0 {width:.2f} {height:.2f}" font-family="{FONT}">{"".join(parts)}</svg>'
    )


def _text(x: float, y: float, text: str, size: float, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.2f}" y="{y:.2f}" font-size="{size}"{weight} '
        f'xml:space="preserve">{escape(text)}</text>'
    )
