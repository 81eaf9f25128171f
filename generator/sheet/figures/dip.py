"""One DIP switch block, drawn the way its model's manual draws it, at the size it is printed."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from generator.bank.catalog import DipState
from generator.sheet.figures.cache import cached

if TYPE_CHECKING:
    from matplotlib.path import Path

# Inches. The block is drawn at its printed size, so font sizes are the sizes on paper.
LABELS_W = 0.42  # the arrow, "ON" and "OFF" left of the block
SLOT_W, SLOT_H, GAP = 0.14, 0.23, 0.06
BODY_PAD = 0.04
NUMBERS_H = 0.15
ON_SIZE, OFF_SIZE, NUMBER_SIZE = 9.5, 7.5, 8.5  # points
DRAWING = "5"  # part of the cache key: change it whenever the drawing changes


def size(switches: int) -> tuple[float, float]:
    """(width, height) of a block of this many switches, in inches."""
    body_w = switches * SLOT_W + (switches + 1) * GAP
    return LABELS_W + body_w + 0.02, SLOT_H + 2 * BODY_PAD + NUMBERS_H + 0.02


@lru_cache(maxsize=1024)
def dip_svg(states: DipState, on_side: str = "up") -> str:
    """The switch block for these lever positions, drawn once and kept (per process and on
    disk), so most builds never import matplotlib."""
    key = f"v{DRAWING}|{on_side}|{' '.join(states)}"
    return cached("dip", key, lambda: draw_dip_svg(states, on_side))


def draw_dip_svg(states: DipState, on_side: str) -> str:
    """Draw the block with matplotlib.

    Levers are solid black on the ON or OFF half of a white slot. Both sides are labelled,
    ON larger and bold, with an arrow toward it; the switch numbers stand under the slots, as
    printed on the block.
    """
    from matplotlib.patches import FancyArrow, PathPatch, Rectangle
    from matplotlib.path import Path

    from generator.sheet.figures.lean import lean_svg
    from generator.sheet.figures.style import FONT_FAMILY, new_figure, to_svg

    count = len(states)
    width, height = size(count)
    figure = new_figure(width, height)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_axis_off()

    body_x, body_y = LABELS_W, NUMBERS_H + 0.01
    body_w = count * SLOT_W + (count + 1) * GAP
    body_h = SLOT_H + 2 * BODY_PAD
    axes.add_patch(
        Rectangle(
            (body_x, body_y),
            body_w,
            body_h,
            facecolor="#d9d9d9",
            edgecolor="black",
            linewidth=1.2,
        )
    )
    on_top = on_side == "up"
    top, bottom = body_y + body_h - 0.07, body_y + 0.07
    on_y, off_y = (top, bottom) if on_top else (bottom, top)
    axes.text(0.26, on_y, "ON", ha="center", va="center", fontsize=ON_SIZE, fontweight="bold")
    axes.text(0.26, off_y, "OFF", ha="center", va="center", fontsize=OFF_SIZE)
    # An arrow toward the ON side (the font has no arrow glyph, so it is a shape).
    tail, head = (body_y + 0.01, body_y + body_h - 0.01)
    if not on_top:
        tail, head = head, tail
    axes.add_patch(
        FancyArrow(
            0.07,
            tail,
            0,
            head - tail,
            width=0.022,
            head_width=0.1,
            head_length=0.08,
            length_includes_head=True,
            color="black",
        )
    )
    # All slots as one path (two nodes to draw, not six), then each lever on its own (a
    # lone rectangle, which PDF viewers snap to whole pixels): each lever lies inside its own
    # slot, so the picture is the one drawn slot, lever, slot, ... The ids let tests (and
    # readers) find them: the slots one subpath per switch, in order; lever-1, lever-2, ...
    slots, levers = [], []
    for index, state in enumerate(states):
        x = body_x + GAP + index * (SLOT_W + GAP)
        y = body_y + BODY_PAD
        slots.append(_box(x, y, SLOT_W, SLOT_H))
        lever_up = (state == "ON") == on_top
        lever_y = y + SLOT_H / 2 if lever_up else y
        levers.append(_box(x + 0.015, lever_y + 0.015, SLOT_W - 0.03, SLOT_H / 2 - 0.03))
        axes.text(
            x + SLOT_W / 2,
            NUMBERS_H / 2,
            str(index + 1),
            ha="center",
            va="center",
            fontsize=NUMBER_SIZE,
            fontweight="bold",
        )
    paths = [("slots", Path.make_compound_path(*slots), "white", "black", 0.9)]
    paths += [(f"lever-{n}", lever, "black", "none", 0.0) for n, lever in enumerate(levers, 1)]
    for gid, path, face, edge, line in paths:
        patch = PathPatch(path, facecolor=face, edgecolor=edge, linewidth=line, clip_on=False)
        patch.set_gid(gid)
        axes.add_patch(patch)
    # The family a browser falls back on too (the desk shows the block as an image).
    return lean_svg(to_svg(figure), f"{FONT_FAMILY}, sans-serif")


def _box(x: float, y: float, width: float, height: float) -> Path:
    """A rectangle as a closed path, in data coordinates (inches)."""
    from matplotlib.path import Path

    corners = [(x, y), (x + width, y), (x + width, y + height), (x, y + height), (x, y)]
    return Path(corners, [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY])
