"""A first guess at where the sheet's sections fall, without laying it out.

Page references need to know beforehand whether a section takes one page or several (the
numbers themselves come from the layout). This paginates rough block heights taken from the
stylesheet's sizes, with text wrapped by the font's own widths. A wrong guess costs one more
layout (paging.py checks every guess against the real layout), never a wrong reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from generator.sheet import fit

if TYPE_CHECKING:  # the view asks this module how tall page 1's side column gets
    from generator.sheet.findings import FindingView
    from generator.sheet.view import SheetView

PT = 72
LINE = 1.2  # the stylesheet's line height, in ems
SIDE_W = 2.85  # page 1's side column, inches
LEGEND = 1.35  # "Reading the drawing", inches
FIRMWARE_STEPS_W = 0.6  # the share of the width the firmware steps take
FIRMWARE_PINOUT = 1.2  # the firmware-update cable's pinout beside them, inches
FIRMWARE_FIXED_COLUMNS = 5.05  # the checklist's columns but the serial, with their padding
FIRMWARE_HEADER = 0.38  # two lines: "Required / firmware"


@dataclass(frozen=True)
class Block:
    height: float  # inches
    keep: bool = False  # kept on the page of the block after it (headings)
    section: str | None = None  # the block starts this section
    repeat: float = 0.0  # a table header repeated on each page this block's table reaches


def lines(text: str, width: float, size: float, bold: bool = False) -> int:
    """How many lines `text` takes in a column `width` inches wide."""
    return max(1, len(fit.wrap(text, width * PT, size, bold)))


def text_h(text: str, width: float, size: float, bold: bool = False) -> float:
    return lines(text, width, size, bold) * size * LINE / PT


def spans(sheet: SheetView) -> dict[str, bool]:
    """Whether each section probably ends on a later page than it starts."""
    width, height = sheet.page
    blocks = [
        *overview(sheet, width),
        *firmware(sheet, width),
        *dip(sheet, width),
        *cables(sheet, width),
    ]
    return paginate(blocks, height, {"overview", "firmware", "dip", "cables"})


def paginate(blocks: list[Block], height: float, sections: set[str]) -> dict[str, bool]:
    page, y = 0, 0.0
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    current = None
    repeat = 0.0
    kept: list[Block] = []  # headings waiting for the block they stay with
    for block in blocks:
        if block.section:
            current = block.section
            repeat = 0.0
        if block.keep:
            kept.append(block)
            continue
        group = [*kept, block]
        need = sum(b.height for b in group)
        if y + need > height and y > 0:
            page, y = page + 1, repeat
        for b in group:
            if b.section:
                first[b.section] = page
            y += b.height
        kept = []
        repeat = block.repeat or repeat
        if current:
            last[current] = page
    return {name: last.get(name, 0) > first.get(name, 0) for name in sections}


def side_height(warnings: tuple[FindingView, ...], notes: str | None, models: int) -> float:
    """Page 1's side column with the warnings in it: summary table, key, notes, warnings."""
    height = 0.23 * (4 + models) + LEGEND
    if notes:
        height += 0.35 + text_h(notes, SIDE_W, 9.5)
    return height + (findings_h(warnings, SIDE_W, 8.5) if warnings else 0.0)


def findings_h(findings: tuple[FindingView, ...], width: float, size: float) -> float:
    text_w = width - 0.72 - 0.3
    total = 0.45
    for finding in findings:
        fix = finding.see or finding.hint or ""
        total += text_h(f"{finding.message} Fix: {fix} ({finding.where})", text_w, size) + 0.05
    return total


def overview(sheet: SheetView, width: float) -> list[Block]:
    blocks = [Block(0.62 if sheet.errors else 0.0), Block(0.42, keep=True, section="overview")]
    checks = []
    if sheet.errors:
        checks.append(Block(findings_h(sheet.errors, width, 8.5) + 0.2))
    if sheet.warnings:
        checks.append(Block(findings_h(sheet.warnings, width, 8.5) + 0.15))
    legend = LEGEND
    if sheet.changes:
        tallest = max(sheet.changes.found.height, sheet.rack.height)
        blocks.append(Block(tallest + 0.35 if sheet.changes.side_by_side else tallest + 0.3))
        blocks.append(Block(0.55, keep=True))
        step_w = width - 0.55
        blocks += [Block(text_h(step, step_w, 10) + 0.06) for step in sheet.changes.steps]
        if not sheet.changes.side_by_side:
            blocks.append(Block(sheet.changes.found.height + 0.35))
        notes_h = text_h(sheet.notes, width / 2 - 0.1, 10) if sheet.notes else 0.0
        return [*blocks, *checks, Block(max(0.45 + notes_h, legend) + 0.1)]
    if sheet.rack_beside:
        beside_notes = sheet.notes if sheet.notes_beside else None
        warnings = sheet.warnings if sheet.warnings_beside else ()
        side = side_height(warnings, beside_notes, len(sheet.model_counts))
        below = []
        if sheet.notes and not sheet.notes_beside:
            below.append(Block(0.35 + text_h(sheet.notes, width, 9.5)))
        if sheet.warnings_beside:
            checks = []
        return [*blocks, Block(max(sheet.rack.height, side) + 0.05), *below, *checks]
    summary = max(0.27 * (4 + len(sheet.model_counts)), legend) + 0.1
    notes = [Block(0.35 + text_h(sheet.notes, width, 10))] if sheet.notes else []
    return [*blocks, Block(sheet.rack.height + 0.05), Block(summary), *notes, *checks]


def firmware(sheet: SheetView, width: float) -> list[Block]:
    """The firmware stage: its steps beside the update cable's pinout (the steps may run on
    to the next page), then one row a battery."""
    steps_w = width * FIRMWARE_STEPS_W - 0.2
    steps = [text_h(step.text, steps_w, 9.5) + 0.03 for step in sheet.firmware_steps]
    # The pinout is kept whole: the steps beside it go with it, those below it may break.
    beside = max(FIRMWARE_PINOUT, steps[0] if steps else 0.0)
    below, done = [], 0.0
    for height in steps:
        done += height
        if done > beside:
            below.append(min(height, done - beside))
    blocks = [Block(0.7, keep=True, section="firmware"), Block(beside)]
    blocks += [*(Block(h) for h in below), Block(0.1), Block(FIRMWARE_HEADER, keep=True)]
    # The serial column takes what the fixed columns leave; a long serial or model wraps.
    serial_w = width - FIRMWARE_FIXED_COLUMNS
    rows = [
        max(lines(row.serial or "", serial_w, 8.5), lines(row.model, 1.0, 9.5))
        for row in sheet.checklist
    ]
    return blocks + [Block(0.25 + 0.14 * (n - 1), repeat=FIRMWARE_HEADER) for n in rows]


def dip(sheet: SheetView, width: float) -> list[Block]:
    blocks = [Block(0.7, keep=True, section="dip"), Block(0.27, keep=True)]
    for group in sheet.dip_groups:
        header = 0.27 + (0.32 if group.inferred else 0) + (0.15 if group.zero_note else 0)
        blocks.append(Block(header, keep=True))
        per_row = 2 if sheet.dip_pairs else 1
        for start in range(0, len(group.cards), per_row):
            row = group.cards[start : start + per_row]
            if sheet.dip_pairs:
                tall = max(len(card.lines) for card in row)
                height = 0.6 if tall <= 2 else 0.68
            else:
                height = 0.53
            blocks.append(Block(height, repeat=0.27))
    return blocks


def cables(sheet: SheetView, width: float) -> list[Block]:
    if not sheet.cables:  # a single battery: a line and the bill of materials
        return [Block(0.42, keep=True, section="cables"), Block(0.55 + 0.19 * len(sheet.bom))]
    pinout = 2.1 + text_h(sheet.signal_note, width / 2 - 0.1, 8.5)
    bom = 0.32 + 0.19 * (len(sheet.bom) + 2)
    blocks = [
        Block(0.42, keep=True, section="cables"),
        Block(text_h(sheet.caution, width - 0.3, 9.5) + 0.25),
        Block(max(pinout, bom) + 0.1),
        Block(0.3, keep=True),
        Block(0.24, keep=True),
    ]
    rows = (len(sheet.cables) + 1) // 2 if sheet.dip_pairs else len(sheet.cables)
    blocks += [Block(0.215, repeat=0.24) for _ in range(rows)]
    blocks.append(Block(text_h(sheet.port_note, width, 8.5) + 0.08))
    return blocks
