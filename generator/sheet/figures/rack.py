"""The rack drawing as a lean, hand-made SVG: inverter above the master, every battery, every
neighbour cable.

The rack is different for every bank, so it cannot be drawn once and kept like the DIP
blocks; writing its few shapes directly keeps matplotlib (0.4 s to import) off the path of a
build. Every piece of spec text is XML-escaped.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from generator.bank import cables
from generator.bank.plan import CableRun, InstallPlan, PlannedBattery

PT = 72  # SVG user units per inch
WIDTH = 4.3  # inches
BOX_X, BOX_W = 0.5, 2.3
CABLE_X = BOX_X + BOX_W + 0.22
PER_FIGURE = 16  # batteries per drawing; a larger bank continues in a second drawing
BATTERY_SPACE = 7.6  # inches of height for the batteries of one drawing
INVERTER_SPACE = 1.0
FONT = "Atkinson Hyperlegible, sans-serif"
HATCH = (
    '<pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="4" stroke="#000" '
    'stroke-width="0.8"/></pattern>'
)


def rack_svgs(plan: InstallPlan) -> list[str]:
    """One drawing per page's worth of batteries, top of the rack first."""
    batteries = list(plan.batteries)
    chunks = [batteries[i : i + PER_FIGURE] for i in range(0, len(batteries), PER_FIGURE)] or [[]]
    return [
        _rack_svg(plan, chunk, first=index == 0, last=index == len(chunks) - 1)
        for index, chunk in enumerate(chunks)
    ]


class _Svg:
    """Collects shapes in inches and writes them as SVG in points."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        stroke: float = 1.0,
        fill: str = "#fff",
        rx: float = 0,
        dash: str | None = None,
    ) -> None:
        extra = f' rx="{rx * PT:.1f}"' if rx else ""
        extra += f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<rect x="{x * PT:.1f}" y="{y * PT:.1f}" width="{w * PT:.1f}" height="{h * PT:.1f}" '
            f'fill="{fill}" stroke="#000" stroke-width="{stroke}"{extra}/>'
        )

    def line(
        self, points: list[tuple[float, float]], stroke: float = 1.0, dash: str | None = None
    ) -> None:
        coords = " ".join(f"{x * PT:.1f},{y * PT:.1f}" for x, y in points)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<polyline points="{coords}" fill="none" stroke="#000" '
            f'stroke-width="{stroke}"{extra}/>'
        )

    def text(
        self,
        x: float,
        y: float,
        content: str,
        size: float,
        bold: bool = False,
        anchor: str = "start",
        italic: bool = False,
    ) -> None:
        style = ' font-weight="bold"' if bold else ""
        style += ' font-style="italic"' if italic else ""
        self.parts.append(
            f'<text x="{x * PT:.1f}" y="{y * PT:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'dominant-baseline="central"{style}>{escape(content)}</text>'
        )

    def document(self, width: float, height: float) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * PT:.1f}pt" '
            f'height="{height * PT:.1f}pt" viewBox="0 0 {width * PT:.1f} {height * PT:.1f}" '
            f'font-family="{FONT}"><defs>{HATCH}</defs>{"".join(self.parts)}</svg>'
        )


def _rack_svg(plan: InstallPlan, batteries: list[PlannedBattery], first: bool, last: bool) -> str:
    """Pins-7-and-8-only cables are thick, dashed and labelled, so they stand out in black and
    white as well as in colour; the master has a heavy border and the word MASTER."""
    step = min(0.62, BATTERY_SPACE / max(len(batteries), 1))
    box_h = min(0.42, step - 0.13)
    top = INVERTER_SPACE if first else 0.45
    height = top + max(len(batteries), 1) * step + (0.05 if last else 0.4)
    svg = _Svg()
    if first:
        _inverter(svg, plan.inverter, bool(batteries))
    else:
        svg.text(BOX_X, 0.2, f"continued from position {batteries[0].position - 1}", 8, italic=True)
    tops: dict[int, float] = {}
    for row, battery in enumerate(batteries):
        y = top + row * step
        tops[battery.position] = y
        _battery(svg, battery, y, box_h, plan.as_found)
    for cable in plan.cables:
        if cable.upper in tops:
            end = tops.get(cable.lower, height + 0.1)
            style = (
                _found_style(cable, plan.cables_listed) if plan.as_found else _planned_style(cable)
            )
            _cable(svg, tops[cable.upper] + box_h - 0.05, end + 0.05, *style)
    if not last:
        svg.text(
            BOX_X,
            height - 0.12,
            f"continues with position {batteries[-1].position + 1}",
            8,
            italic=True,
        )
    return svg.document(WIDTH, height)


def _inverter(svg: _Svg, inverter: str | None, has_batteries: bool) -> None:
    svg.rect(
        BOX_X + 0.3,
        0.1,
        BOX_W - 0.6,
        0.38,
        stroke=1.2,
        rx=0.06,
        dash=None if inverter else "1.5,1.5",
    )
    svg.text(BOX_X + BOX_W / 2, 0.29, inverter or "Inverter", 9.5, bold=True, anchor="middle")
    if has_batteries:
        svg.line([(BOX_X + BOX_W / 2, 0.48), (BOX_X + BOX_W / 2, INVERTER_SPACE)], stroke=1.2)
        svg.text(BOX_X + BOX_W / 2 + 0.08, 0.68, "RS485 / CAN (master only)", 7.5)
    svg.text(0.25, INVERTER_SPACE - 0.1, "pos.", 7, anchor="middle")


def _battery(svg: _Svg, battery: PlannedBattery, y: float, box_h: float, as_found: bool) -> None:
    master = battery.position == 1
    svg.rect(BOX_X, y, BOX_W, box_h, stroke=2.6 if master else 1.0)
    if battery.model.generation == "legacy":  # older generation: hatched edge band
        svg.rect(BOX_X, y, 0.12, box_h, stroke=0.6, fill="url(#hatch)")
    svg.text(0.25, y + box_h / 2, str(battery.position), 13, bold=True, anchor="middle")
    svg.text(BOX_X + 0.2, y + box_h * 0.32, battery.model.name, 9.5, bold=True)
    if as_found:
        shown_id = "ID not given" if battery.found_id is None else f"ID {battery.found_id}"
    else:
        shown_id = f"ID {battery.id}"
    detail = shown_id + (f"   {battery.serial}" if battery.serial else "")
    svg.text(BOX_X + 0.2, y + box_h * 0.74, detail, 8)
    if master:
        svg.text(BOX_X + BOX_W - 0.08, y + box_h * 0.32, "MASTER", 8, bold=True, anchor="end")


def _planned_style(cable: CableRun) -> tuple[str, bool, bool]:
    """(label, thick and dashed, dotted) for a cable as it must be."""
    return cables.KINDS[cable.kind].drawn, cable.kind == cables.RESTRICTED, False


def _found_style(cable: CableRun, listed: bool) -> tuple[str, bool, bool]:
    """(label, thick and dashed, dotted) for a cable as the spec says it is."""
    text = cables.describe_found(cable.found_pins, listed)
    missing = not listed or cable.found_pins is None
    return text, cables.found_kind(cable.found_pins) == cables.RESTRICTED, missing


def _cable(svg: _Svg, start: float, end: float, label: str, restricted: bool, dotted: bool) -> None:
    dash = "7,3.5" if restricted else "1,2" if dotted else None
    svg.line(
        [
            (BOX_X + BOX_W - 0.02, start),
            (CABLE_X, start),
            (CABLE_X, end),
            (BOX_X + BOX_W - 0.02, end),
        ],
        stroke=2.8 if restricted else 1.0,
        dash=dash,
    )
    svg.text(CABLE_X + 0.08, (start + end) / 2, label, 8 if restricted else 7.5, bold=restricted)
