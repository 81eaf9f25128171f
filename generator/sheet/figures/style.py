"""Shared matplotlib settings: our font, lean and reproducible SVG."""

from __future__ import annotations

import io
from functools import cache
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from generator.sheet import assets

FONT_FAMILY = "Atkinson Hyperlegible"

# Text stays text (the PDF renderer draws it with the same font); a fixed hash salt and no
# date make two renders of the same figure byte-identical.
RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "eg4sheet",
    "svg.image_inline": True,
    "font.family": FONT_FAMILY,
    "font.size": 9,
    "path.simplify": True,
}


@cache
def set_up() -> None:
    """Register our fonts and settings once per process (text resolves its font when drawn)."""
    from matplotlib import font_manager

    for font in assets.font_files():
        font_manager.fontManager.addfont(str(font))
    matplotlib.rcParams.update(RC)


def new_figure(width_in: float, height_in: float) -> Figure:
    set_up()
    figure = Figure(figsize=(width_in, height_in))
    figure.patch.set_visible(False)
    return figure


def to_svg(figure: Figure) -> str:
    """The figure as a compact SVG document."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, transparent=True)
    text = buffer.getvalue()
    # Drop the XML prolog, DOCTYPE and RDF metadata: bytes in every embedded figure, no use.
    text = text[text.index("<svg") :]
    start, end = text.find(" <metadata>"), text.find("</metadata>\n")
    if start != -1 and end != -1:
        text = text[:start] + text[end + len("</metadata>\n") :]
    return text
