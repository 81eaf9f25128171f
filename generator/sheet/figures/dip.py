"""One DIP switch block, drawn the way its model's manual draws it."""

from __future__ import annotations

from functools import lru_cache

from generator.bank.catalog import DipState
from generator.sheet.figures.cache import cached

SLOT_W, SLOT_H, GAP = 0.22, 0.46, 0.12  # inches


@lru_cache(maxsize=1024)
def dip_svg(states: DipState, on_side: str = "up") -> str:
    """The switch block for these lever positions, drawn once and kept (per process and on
    disk), so most builds never import matplotlib."""
    key = f"{on_side}|{' '.join(states)}"
    return cached("dip", key, lambda: draw_dip_svg(states, on_side))


def draw_dip_svg(states: DipState, on_side: str) -> str:
    """Draw the block with matplotlib.

    Levers are solid black on the ON or OFF half of a white slot; the word ON and an arrow
    mark the ON side, and the switch numbers stand under the slots, as printed on the block.
    """
    from matplotlib.patches import FancyArrow, Rectangle

    from generator.sheet.figures.style import new_figure, to_svg

    count = len(states)
    width = count * SLOT_W + (count + 1) * GAP + 0.35
    height = SLOT_H + 0.55
    figure = new_figure(width, height)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_axis_off()

    body_x, body_y = 0.35, 0.22
    body_w = count * SLOT_W + (count + 1) * GAP
    axes.add_patch(
        Rectangle(
            (body_x, body_y),
            body_w,
            SLOT_H + 0.16,
            facecolor="#d9d9d9",
            edgecolor="black",
            linewidth=1.2,
        )
    )
    on_top = on_side == "up"
    # "ON" and an arrow toward the ON side (the font has no arrow glyph, so it is a shape).
    top, bottom = body_y + SLOT_H + 0.1, body_y + 0.06
    axes.text(
        0.17,
        top if on_top else bottom,
        "ON",
        ha="center",
        va="center",
        fontsize=8.5,
        fontweight="bold",
    )
    tail, head = (bottom + 0.04, top - 0.12) if on_top else (top - 0.04, bottom + 0.12)
    axes.add_patch(
        FancyArrow(
            0.17,
            tail,
            0,
            head - tail,
            width=0.025,
            head_width=0.11,
            head_length=0.08,
            length_includes_head=True,
            color="black",
        )
    )
    for index, state in enumerate(states):
        x = body_x + GAP + index * (SLOT_W + GAP)
        y = body_y + 0.08
        slot = Rectangle(
            (x, y),
            SLOT_W,
            SLOT_H,
            facecolor="white",
            edgecolor="black",
            linewidth=0.9,
            clip_on=False,
        )
        slot.set_gid(f"slot-{index + 1}")  # ids let tests read where each lever is drawn
        axes.add_patch(slot)
        lever_up = (state == "ON") == on_top
        lever_y = y + SLOT_H / 2 if lever_up else y
        lever = Rectangle(
            (x + 0.02, lever_y + 0.02),
            SLOT_W - 0.04,
            SLOT_H / 2 - 0.04,
            facecolor="black",
            edgecolor="none",
            clip_on=False,
        )
        lever.set_gid(f"lever-{index + 1}")
        axes.add_patch(lever)
        axes.text(
            x + SLOT_W / 2,
            0.09,
            str(index + 1),
            ha="center",
            va="center",
            fontsize=12,
            fontweight="bold",
        )
    return to_svg(figure)
