"""The rack drawing as a lean, hand-made SVG: inverter above the master, every battery, every
neighbour cable; a large bank in several columns.

The rack is different for every bank, so it cannot be drawn once and kept like the DIP
blocks; writing its few shapes directly keeps matplotlib (0.4 s to import) off the path of a
build. The drawing is made at the size it is printed (1 unit = 1 pt), so every font size
here is the size on paper; text is measured and clipped to its box. Every piece of spec text
is XML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from generator.bank import cables
from generator.bank.i18n import _
from generator.bank.plan import CableRun, InstallPlan, PlannedBattery
from generator.sheet import fit

PT = 72  # points per inch
FONT = "Atkinson Hyperlegible, sans-serif"
HATCH = (
    '<pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="4" stroke="#000" '
    'stroke-width="0.8"/></pattern>'
)
# Sizes in inches.
POS_W = 0.36  # the position numbers left of each column
COLUMN_GAP = 0.12
BOX_MAX = 2.45
STEP_MAX, STEP_MIN = 0.48, 0.38  # row pitch; below the minimum the rack takes another column
ROW_GAP = 0.1  # between a box and the next; the cable runs through it
INVERTER_H = 0.82  # the inverter box and its cable above the master
LANE_GAP = 0.14  # from a box to its cable line
MAX_COLUMNS = 6
MARK_D = 0.19  # diameter of a numbered mark
# Sizes in points.
ID_SIZES = (13.0, 12.0, 11.0)
MODEL_SIZES = (9.5, 9.0, 8.5, 8.0, 7.5)
SMALL = 7.5  # serials, cable labels, notes: never below 7


@dataclass(frozen=True)
class Marks:
    """Numbered marks on the bank as found: each number is a step of the change list."""

    batteries: Mapping[int, tuple[int, ...]] = field(default_factory=dict)  # by position
    cables: Mapping[int, tuple[int, ...]] = field(default_factory=dict)  # by upper position
    # Listed cables that cannot be there (not drawn: they join no two neighbours), by upper end.
    removed: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    # The corrected master's position as found (not drawn: a wrong master's finding names its move).
    master_from: int | None = None

    def __bool__(self) -> bool:
        return bool(self.batteries or self.cables)


@dataclass(frozen=True)
class Drawing:
    svg: str
    width: float  # inches, as printed
    height: float
    columns: int = 1


@dataclass(frozen=True)
class _Layout:
    columns: int
    rows: int  # batteries per column
    step: float
    box_w: float
    box_h: float
    lane_w: float
    column_w: float

    def x(self, column: int) -> float:
        return column * (self.column_w + COLUMN_GAP) + POS_W


def rack_drawing(
    plan: InstallPlan, width: float, height: float, marks: Marks | None = None
) -> Drawing:
    """The rack in at most `width` × `height` inches: one column while rows stay tall enough
    to read, more columns for a large bank. Pins-7-and-8-only cables are thick, dashed and
    labelled, so they stand out in black and white; the master has a heavy border."""
    marks = marks or Marks()
    layout = _layout(plan, width, height, marks)
    svg = _Svg()
    _inverter(svg, plan, layout)
    top = INVERTER_H
    where: dict[int, tuple[int, float]] = {}  # position -> (column, top of its box)
    for index, battery in enumerate(plan.batteries):
        column, row = divmod(index, layout.rows)
        y = top + row * layout.step
        where[battery.position] = (column, y)
        _battery(svg, plan, battery, layout, column, y, marks.batteries.get(battery.position, ()))
    for cable in plan.cables:
        if cable.upper in where and cable.lower in where:
            _cable(svg, plan, cable, layout, where, marks.cables.get(cable.upper, ()))
    used_rows = min(layout.rows, max(len(plan.batteries), 1))
    drawn_h = top + used_rows * layout.step + 0.12
    drawn_w = layout.columns * layout.column_w + (layout.columns - 1) * COLUMN_GAP
    return Drawing(svg.document(drawn_w, drawn_h), drawn_w, drawn_h, layout.columns)


def _layout(plan: InstallPlan, width: float, height: float, marks: Marks) -> _Layout:
    count = max(len(plan.batteries), 1)
    room = height - INVERTER_H - 0.12
    columns = 1
    while columns < MAX_COLUMNS and room / math.ceil(count / columns) < STEP_MIN:
        columns += 1
    rows = math.ceil(count / columns)
    step = min(STEP_MAX, room / rows)
    column_w = (width - (columns - 1) * COLUMN_GAP) / columns
    lane_w = LANE_GAP + _label_room(plan, marks, short=columns > 1)
    box_w = min(BOX_MAX, column_w - POS_W - lane_w)
    column_w = POS_W + box_w + lane_w
    return _Layout(columns, rows, step, box_w, step - ROW_GAP, lane_w, column_w)


def _label_room(plan: InstallPlan, marks: Marks, short: bool) -> float:
    """Inches right of the cable line: its widest label and marks."""
    widest = 0.0
    for cable in plan.cables:
        label, restricted, _ = _style(plan, cable, short)
        room = fit.width(label, SMALL, restricted) / PT
        room += len(marks.cables.get(cable.upper, ())) * (MARK_D + 0.03)
        widest = max(widest, room)
    return 0.08 + widest + 0.04


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

    def circle(self, x: float, y: float, r: float) -> None:
        self.parts.append(f'<circle cx="{x * PT:.1f}" cy="{y * PT:.1f}" r="{r * PT:.1f}"/>')

    def text(
        self,
        x: float,
        y: float,
        content: str,
        size: float,
        bold: bool = False,
        anchor: str = "start",
        white: bool = False,
    ) -> None:
        style = ' font-weight="bold"' if bold else ""
        style += ' fill="#fff"' if white else ""
        # Set from its start, moved by the width WeasyPrint gives it (text-anchor: middle or
        # end would make each such text a PDF image of its own, drawn on every page).
        start = round(x * PT, 1)
        if anchor != "start":
            start -= fit.advance(content, size, bold) / (2 if anchor == "middle" else 1)
        self.parts.append(
            f'<text x="{start:.{1 if anchor == "start" else 3}f}" y="{y * PT:.1f}" '
            f'font-size="{size}" dominant-baseline="central"{style}>{escape(content)}</text>'
        )

    def document(self, width: float, height: float) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * PT:.1f}pt" '
            f'height="{height * PT:.1f}pt" viewBox="0 0 {width * PT:.1f} {height * PT:.1f}" '
            f'font-family="{FONT}"><defs>{HATCH}</defs>{"".join(self.parts)}</svg>'
        )


def _inverter(svg: _Svg, plan: InstallPlan, layout: _Layout) -> None:
    """The inverter above the master, and the one cable between them."""
    left = layout.x(0)
    width = min(max(layout.box_w + 0.2, 2.2), layout.column_w * layout.columns - POS_W)
    svg.rect(left, 0.06, width, 0.36, stroke=1.2, rx=0.06, dash=None if plan.inverter else "2,2")
    name = fit.clip(plan.inverter or _("Inverter"), (width - 0.12) * PT, 9.5, bold=True)
    svg.text(left + width / 2, 0.24, name, 9.5, bold=True, anchor="middle")
    svg.text(0.18, INVERTER_H - 0.08, _("pos."), SMALL, anchor="middle")
    if not plan.batteries:
        return
    x = left + 0.3
    svg.line([(x, 0.42), (x, INVERTER_H)], stroke=1.4)
    master = plan.batteries[0].model
    label = (
        _("to the master's {ports} port").format(ports=_(master.inverter_ports))
        if master.inverter_ports
        else _("to the master (ID 1) only")
    )
    room = (min(layout.column_w * layout.columns, 3.5) - POS_W - 0.42) * PT
    svg.text(x + 0.08, 0.62, fit.clip(label, room, SMALL), SMALL)


def _battery(
    svg: _Svg,
    plan: InstallPlan,
    battery: PlannedBattery,
    layout: _Layout,
    column: int,
    y: float,
    marks: tuple[int, ...],
) -> None:
    x, w, h = layout.x(column), layout.box_w, layout.box_h
    master = battery.position == 1
    addressless = _no_address(plan, battery)
    svg.rect(x, y, w, h, stroke=2.8 if master else 1.0, dash="4,2.5" if addressless else None)
    inset = 0.08
    if battery.model.generation == "legacy":  # older generation: hatched edge band
        svg.rect(x, y, 0.11, h, stroke=0.6, fill="url(#hatch)")
        inset = 0.17
    svg.text(x - POS_W / 2, y + h / 2, str(battery.position), 13, bold=True, anchor="middle")
    marks_w = len(marks) * (MARK_D + 0.03)
    for number, mark in enumerate(marks):
        _mark(svg, x + w - 0.06 - MARK_D / 2 - number * (MARK_D + 0.03), y + h / 2, mark)
    inner = (w - inset - 0.06 - marks_w) * PT
    id_text = _id_text(plan, battery)
    id_size = next((s for s in ID_SIZES if s * 1.9 <= h * PT), ID_SIZES[-1])
    id_w = fit.width(id_text, id_size, True)
    model = battery.model.name
    if plan.as_found:  # the serial is how the crew finds it: nothing takes its place
        _found_box(svg, plan, battery, (x, y, w, h), inset, inner, marks_w)
        return
    note, bold_note = _note(plan, battery, inner - id_w - 7)
    model_room = inner - id_w - 7
    model_size = next((s for s in MODEL_SIZES if fit.width(model, s, True) <= model_room), None)
    if model_size is not None:  # the ID on the left, model and note beside it
        svg.text(x + inset, y + h / 2, id_text, id_size, bold=True)
        text_x = x + inset + (id_w + 7) / PT
        master_word = _("MASTER")
        if master:
            model_room -= fit.width(" " + master_word, SMALL, True)
        lines = [(model, model_size, True)] + ([(note, SMALL, bold_note)] if note else [])
        if master and fit.width(model, model_size, True) <= model_room:
            svg.text(x + w - 0.06 - marks_w, y + h * 0.3, master_word, SMALL, True, anchor="end")
        elif master:  # no room beside the model: the word takes the serial's line
            lines = [(model, model_size, True), (master_word, SMALL, True)]
        _lines(svg, text_x, y, h, lines, inner - id_w - 7)
        return
    # A narrow box: the ID above the model, the note left out when there is no room.
    size = next((s for s in MODEL_SIZES if fit.width(model, s, True) <= inner), MODEL_SIZES[-1])
    heading = f"{id_text} {_('MASTER')}" if master else id_text  # the master, said in words too
    lines = [
        (fit.clip(heading, inner, ID_SIZES[-1], True), ID_SIZES[-1], True),
        (fit.clip(model, inner, size, True), size, True),
    ]
    if note and h * PT >= (ID_SIZES[-1] + size + SMALL) * 1.2:
        lines.append((_note(plan, battery, inner)[0] or "", SMALL, bold_note))
    _lines(svg, x + inset, y, h, lines, inner)


def needs_tall_rows(found: InstallPlan) -> bool:
    """Whether a box of the bank as found carries three lines (model, serial, NO ADDRESS)."""
    return any(battery.serial and _no_address(found, battery) for battery in found.batteries)


def _found_box(
    svg: _Svg,
    plan: InstallPlan,
    battery: PlannedBattery,
    box: tuple[float, float, float, float],
    inset: float,
    inner: float,
    marks_w: float,
) -> None:
    """A battery as found: its ID, model and serial, and what is wrong with it (MASTER, NO
    ADDRESS) on a line of its own, so no word ever takes the serial's place."""
    x, y, _w, h = box
    id_text = _id_text(plan, battery)
    flags = [_("MASTER")] if battery.position == 1 else []
    if _no_address(plan, battery):
        flags.append(_("NO ADDRESS"))
    flag = " · ".join(flags)
    serial = battery.serial or ""
    lines_wanted = 1 + bool(serial) + bool(flag)
    id_size = next((s for s in ID_SIZES if s * 1.9 <= h * PT), ID_SIZES[-1])
    id_w = fit.width(id_text, id_size, True)
    room = inner - id_w - 7
    model = battery.model.name
    sizes = MODEL_SIZES if lines_wanted < 3 else (7.5, 7.0)
    small = SMALL if lines_wanted < 3 else 7.0
    model_size = next((s for s in sizes if fit.width(model, s, True) <= room), sizes[-1])
    if serial and flag and fit.width(f"{serial} · {flag}", small, True) <= room:
        lines = [(model, model_size, True), (serial, small, False), (flag, small, True)]
        lines = (
            lines
            if lines_wanted * small * 1.15 + model_size * 0.2 <= h * PT
            else [
                (model, model_size, True),
                (f"{serial} · {flag}", small, True),
            ]
        )
    else:
        lines = [(model, model_size, True)]
        lines += [(serial, small, False)] if serial else []
        lines += [(flag, small, True)] if flag else []
    svg.text(x + inset, y + h / 2, id_text, id_size, bold=True)
    _lines(svg, x + inset + (id_w + 7) / PT, y, h, lines, room)


def _lines(
    svg: _Svg, x: float, y: float, h: float, lines: list[tuple[str, float, bool]], room: float
) -> None:
    """Lines of text centred as a block in a box of height h."""
    total = sum(size * 1.15 for _, size, _ in lines) / PT
    cursor = y + (h - total) / 2
    for text, size, bold in lines:
        line_h = size * 1.15 / PT
        svg.text(x, cursor + line_h / 2, fit.clip(text, room, size, bold), size, bold)
        cursor += line_h


def _id_text(plan: InstallPlan, battery: PlannedBattery) -> str:
    if plan.as_found:
        return "ID ?" if battery.found_id is None else f"ID {battery.found_id}"
    return "ID —" if battery.leaves else f"ID {battery.id}"


def _no_address(plan: InstallPlan, battery: PlannedBattery) -> bool:
    """A battery whose ID cannot be set on its switches, or is not used in a bank."""
    dip = battery.model.dip
    if battery.leaves and not plan.as_found:
        return True
    shown = battery.found_id if plan.as_found else battery.id
    if shown is None:
        return False
    return not dip.usable(shown)


def _note(plan: InstallPlan, battery: PlannedBattery, room: float) -> tuple[str | None, bool]:
    """The second line of a box and whether it is bold: a missing address (with its reason
    where there is room), else the serial."""
    if battery.leaves and not plan.as_found:
        full = _("TAKE OUT OF THIS BANK")
        return (full if fit.width(full, SMALL, True) <= room else _("TAKE OUT")), True
    if _no_address(plan, battery):
        dip = battery.model.dip
        shown = battery.found_id if plan.as_found else battery.id
        full = (
            _("NO ADDRESS: ID 0 is not used in a bank")
            if shown == 0
            else _("NO ADDRESS: IDs go to {high}").format(high=dip.id_high)
        )
        return (full if fit.width(full, SMALL, True) <= room else _("NO ADDRESS")), True
    return battery.serial, False


def _mark(svg: _Svg, x: float, y: float, number: int) -> None:
    """A numbered mark: white digits in a black disc, legible in grey."""
    svg.circle(x, y, MARK_D / 2)
    size = 8.0 if number < 10 else 7.0
    svg.text(x, y, str(number), size, bold=True, anchor="middle", white=True)


def _style(plan: InstallPlan, cable: CableRun, short: bool) -> tuple[str, bool, bool]:
    """(label, thick and dashed, dotted) for a cable as it must be, or as found."""
    if plan.as_found:
        text = cables.describe_found(cable.found_pins, plan.cables_listed).render(_)
        missing = not plan.cables_listed or cable.found_pins is None
        return text, cables.found_kind(cable.found_pins) == cables.RESTRICTED, missing
    kind = cables.KINDS[cable.kind]
    restricted = cable.kind == cables.RESTRICTED
    if short:  # columns: only the cables that need care are labelled; the key says the rest
        return (_(kind.short).upper() if restricted else ""), restricted, False
    return _(kind.drawn), restricted, False


def _cable(
    svg: _Svg,
    plan: InstallPlan,
    cable: CableRun,
    layout: _Layout,
    where: dict[int, tuple[int, float]],
    marks: tuple[int, ...],
) -> None:
    label, restricted, dotted = _style(plan, cable, layout.columns > 1)
    dash = "7,3.5" if restricted else "1,2" if dotted else None
    stroke = 2.8 if restricted else 1.0
    (column, upper_y), (lower_column, lower_y) = where[cable.upper], where[cable.lower]
    right = layout.x(column) + layout.box_w
    lane = right + LANE_GAP
    start = upper_y + layout.box_h - 0.05
    if lower_column == column:
        end = lower_y + 0.05
        svg.line([(right, start), (lane, start), (lane, end), (right, end)], stroke, dash)
        label_y = (start + end) / 2
    else:  # the cable runs on to the top of the next column
        end = start + ROW_GAP * 0.9
        svg.line([(right, start), (lane, start), (lane, end)], stroke, dash)
        svg.text(
            lane - 0.04,
            end + 0.02,
            _("to {position}").format(position=cable.lower),
            SMALL,
            anchor="end",
        )
        next_right = layout.x(lower_column) + layout.box_w
        next_lane = next_right + LANE_GAP
        svg.line(
            [
                (next_lane, lower_y - 0.16),
                (next_lane, lower_y + 0.05),
                (next_right, lower_y + 0.05),
            ],
            stroke,
            dash,
        )
        svg.text(
            next_lane - 0.04,
            lower_y - 0.09,
            _("from {position}").format(position=cable.upper),
            SMALL,
            anchor="end",
        )
        label_y = start + 0.08
    svg.text(lane + 0.08, label_y, label, SMALL, bold=restricted)
    label_end = lane + 0.08 + fit.width(label, SMALL, restricted) / PT
    for number, mark in enumerate(marks):
        _mark(svg, label_end + 0.04 + MARK_D / 2 + number * (MARK_D + 0.03), label_y, mark)
