"""The rack drawing: inverter above the master, every battery, every neighbour cable."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch, Rectangle

from generator.figures.style import new_figure, to_svg
from generator.plan import CableRun, InstallPlan, PlannedBattery

WIDTH = 4.3  # inches
BOX_X, BOX_W = 0.5, 2.3
CABLE_X = BOX_X + BOX_W + 0.22
PER_FIGURE = 16  # batteries per drawing; a larger bank continues in a second drawing
BATTERY_SPACE = 7.6  # inches of height for the batteries of one drawing
INVERTER_SPACE = 1.0


def rack_svgs(plan: InstallPlan) -> list[str]:
    """One drawing per page's worth of batteries, top of the rack first."""
    batteries = list(plan.batteries)
    chunks = [batteries[i : i + PER_FIGURE] for i in range(0, len(batteries), PER_FIGURE)] or [[]]
    return [
        _rack_svg(plan, chunk, first=index == 0, last=index == len(chunks) - 1)
        for index, chunk in enumerate(chunks)
    ]


def _rack_svg(plan: InstallPlan, batteries: list[PlannedBattery], first: bool, last: bool) -> str:
    """Pins-7-and-8-only cables are thick, dashed and labelled, so they stand out in black and
    white as well as in colour; the master has a heavy border and the word MASTER."""
    step = min(0.62, BATTERY_SPACE / max(len(batteries), 1))
    box_h = min(0.42, step - 0.13)
    top = INVERTER_SPACE if first else 0.45
    height = top + max(len(batteries), 1) * step + (0.05 if last else 0.4)
    figure = new_figure(WIDTH, height)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, WIDTH)
    axes.set_ylim(height, 0)  # y grows downward, like the rack
    axes.set_axis_off()
    if first:
        _inverter(axes, plan.inverter, bool(batteries))
    else:
        axes.text(
            BOX_X,
            0.2,
            f"continued from position {batteries[0].position - 1}",
            fontsize=8,
            style="italic",
            va="center",
        )
    tops: dict[int, float] = {}
    for row, battery in enumerate(batteries):
        y = top + row * step
        tops[battery.position] = y
        _battery(axes, battery, y, box_h, plan.as_found)
    for cable in plan.cables:
        if cable.upper in tops:
            end = tops.get(cable.lower, height + 0.1)
            style = _found_style(cable) if plan.as_found else _planned_style(cable)
            _cable(axes, tops[cable.upper] + box_h - 0.05, end + 0.05, *style)
    if not last:
        axes.text(
            BOX_X,
            height - 0.12,
            f"continues with position {batteries[-1].position + 1}",
            fontsize=8,
            style="italic",
            va="center",
        )
    return to_svg(figure)


def _inverter(axes: Axes, inverter: str | None, has_batteries: bool) -> None:
    axes.add_patch(
        FancyBboxPatch(
            (BOX_X + 0.3, 0.1),
            BOX_W - 0.6,
            0.38,
            boxstyle="round,pad=0,rounding_size=0.06",
            facecolor="white",
            edgecolor="black",
            linewidth=1.2,
            linestyle="-" if inverter else ":",
        )
    )
    axes.text(
        BOX_X + BOX_W / 2,
        0.29,
        inverter or "Inverter",
        ha="center",
        va="center",
        fontsize=9.5,
        fontweight="bold",
    )
    if has_batteries:
        axes.plot([BOX_X + BOX_W / 2] * 2, [0.48, INVERTER_SPACE], color="black", linewidth=1.2)
        axes.text(
            BOX_X + BOX_W / 2 + 0.08,
            0.68,
            "RS485 / CAN (master only)",
            ha="left",
            va="center",
            fontsize=7.5,
        )
    axes.text(0.25, INVERTER_SPACE - 0.05, "pos.", ha="center", va="bottom", fontsize=7)


def _battery(axes: Axes, battery: PlannedBattery, y: float, box_h: float, as_found: bool) -> None:
    master = battery.position == 1
    axes.add_patch(
        Rectangle(
            (BOX_X, y),
            BOX_W,
            box_h,
            facecolor="white",
            edgecolor="black",
            linewidth=2.6 if master else 1.0,
        )
    )
    if battery.model.generation == "legacy":  # older generation: hatched edge band
        axes.add_patch(
            Rectangle(
                (BOX_X, y),
                0.12,
                box_h,
                facecolor="white",
                edgecolor="black",
                hatch="////",
                linewidth=0.6,
            )
        )
    axes.text(
        0.25,
        y + box_h / 2,
        str(battery.position),
        ha="center",
        va="center",
        fontsize=13,
        fontweight="bold",
    )
    axes.text(
        BOX_X + 0.2,
        y + box_h * 0.32,
        battery.model.name,
        ha="left",
        va="center",
        fontsize=9.5,
        fontweight="bold",
    )
    if as_found:
        shown_id = "ID not given" if battery.found_id is None else f"ID {battery.found_id}"
    else:
        shown_id = f"ID {battery.id}"
    detail = shown_id + (f"   {battery.serial}" if battery.serial else "")
    axes.text(BOX_X + 0.2, y + box_h * 0.74, detail, ha="left", va="center", fontsize=8)
    if master:
        axes.text(
            BOX_X + BOX_W - 0.08,
            y + box_h * 0.32,
            "MASTER",
            ha="right",
            va="center",
            fontsize=8,
            fontweight="bold",
        )


def _planned_style(cable: CableRun) -> tuple[str, bool, bool]:
    """(label, thick and dashed, dotted) for a cable as it must be."""
    restricted = cable.kind == "pins-7-8-only"
    return ("PINS 7+8 ONLY" if restricted else "standard"), restricted, False


def _found_style(cable: CableRun) -> tuple[str, bool, bool]:
    """(label, thick and dashed, dotted) for a cable as the spec says it is."""
    if cable.found_pins is None:
        return "not listed", False, True
    if not cable.found_pins:
        return "MISSING", False, True
    if cable.found_pins == frozenset({7, 8}):
        return "7+8 only", True, False
    pins = sorted(cable.found_pins)
    text = "all 8 pins" if pins == list(range(1, 9)) else "pins " + ",".join(map(str, pins))
    return text, False, False


def _cable(
    axes: Axes, start: float, end: float, label: str, restricted: bool, dotted: bool
) -> None:
    style = (0, (2.5, 1.2)) if restricted else (0, (1, 1.5)) if dotted else "-"
    axes.plot(
        [BOX_X + BOX_W - 0.02, CABLE_X, CABLE_X, BOX_X + BOX_W - 0.02],
        [start, start, end, end],
        color="black",
        linewidth=2.8 if restricted else 1.0,
        linestyle=style,
        solid_capstyle="butt",
    )
    axes.text(
        CABLE_X + 0.08,
        (start + end) / 2,
        label,
        ha="left",
        va="center",
        fontsize=8 if restricted else 7.5,
        fontweight="bold" if restricted else "normal",
    )
