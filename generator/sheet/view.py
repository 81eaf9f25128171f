"""The sheet view: every value the templates print, finished, typed and frozen.

Built once from the analysis (the one corrected plan, the bank as found and the change
list) and the catalog; the templates only loop and test. The instructions come worded from
the light part (`generator.bank.words`, the change list) as `Msg` values and are printed
here in the sheet's language; the title block is fitted in title.py, the findings and their
change numbers in findings.py. No hardware fact or model name is written here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import __version__
from generator.bank import cables, words
from generator.bank.analysis import Analysis
from generator.bank.catalog import BatteryModel, Wiring
from generator.bank.changes import Change, bring
from generator.bank.i18n import N_, _
from generator.bank.i18n import number as local_number
from generator.bank.paper import content_size
from generator.bank.plan import InstallPlan, PlannedBattery
from generator.company import Company
from generator.sheet.figures.dip import dip_svg
from generator.sheet.figures.dip import size as dip_size
from generator.sheet.figures.rack import Marks, needs_tall_rows, rack_drawing
from generator.sheet.findings import FindingView, finding_view, found_marks, warning_views
from generator.sheet.images import Figure, figure, svg_url
from generator.sheet.title import JOB_LABEL_W, JobLine, TitleBlock, job_block, title_block

SWATCH = {"orange": "#f28c28", "green": "#2e9e44", "blue": "#2a62c9", "brown": "#7b4a21"}
FOOTER = N_("eg4sheet {version} · the bank spec that made this sheet is attached to the PDF")
# On every page of a bank no rearranging makes installable, instead of the line above.
STOP_FOOTER = N_("NOT INSTALLABLE until change 1 (1 · Overview) is done")

PT = 72
# Page 1 takes the rack beside a side column up to this many batteries, in columns above.
SIDE_RACK_MAX = 16
SIDE_RACK_W = 4.0  # inches
NOTES_BESIDE = 400  # characters of job notes that still fit page 1's side column
# Beside a change list, the racks' height: the inverter and the gap below, then each row
# (taller where a box as found carries model, serial and NO ADDRESS).
CHANGES_RACK_TOP, CHANGES_ROW, CHANGES_ROW_TALL = 1.0, 0.4, 0.44
# The DIP table sets two batteries per row from this many batteries on.
DIP_PAIRS_FROM = 9
DIP_PAIRS_WITH_CHANGES = 6

SECTIONS = {  # the sections an instruction can refer to, by anchor, and their names
    "overview": N_("1 · Overview"),
    "firmware": N_("2 · Firmware"),
    "dip": N_("3 · DIP switches"),
    "cables": N_("4 · Cables"),
    "commissioning": N_("5 · Commissioning"),
}


@dataclass(frozen=True)
class DipCard:
    position: int
    id: int | None  # None: it is taken out of this bank (beyond the address range)
    model: str
    serial: str | None
    words: str  # the plan's words for the switches: "1 OFF · 2 ON · 3 ON · 4 OFF"
    lines: tuple[tuple[str, ...], ...]  # the same states by printed line, each one whole
    value: str
    img: Figure | None  # None when the ID has no address


@dataclass(frozen=True)
class DipGroup:
    model: str
    count: int
    encoding: str
    zero_note: str | None  # "ID 0 (all OFF) is not used in a bank" where a block has an ID 0
    inferred: bool
    source: str
    cards: tuple[DipCard, ...]


@dataclass(frozen=True)
class CableRow:
    upper: int
    lower: int
    label: str
    restricted: bool
    pins: str


@dataclass(frozen=True)
class PinRow:
    number: int
    colour: str
    swatch: str  # CSS for the colour swatch
    link_signal: str | None
    update_signal: str | None


@dataclass(frozen=True)
class BomRow:
    quantity: int
    item: str
    note: str
    kwh: str


@dataclass(frozen=True)
class ChecklistRow:
    position: int
    id: int | None  # None: it is taken out of this bank (beyond the address range)
    model: str
    serial: str | None
    required: str
    installed: str | None
    wrong: bool  # the installed firmware is not the required one
    current: bool  # the spec says it is: check that BMS Tools reads it, then skip
    reads: str | None  # the version BMS Tools should read, as the catalog spells it


@dataclass(frozen=True)
class ModelCount:
    model: str
    count: int
    kwh: str


@dataclass(frozen=True)
class StepFigure:
    """A switch block drawn beside a step, with the setting it shows in words."""

    caption: str
    img: Figure


@dataclass(frozen=True)
class Step:
    """One numbered instruction as printed; `ref` names a section the step points to."""

    text: str
    ref: str | None = None
    after: str = ""  # the rest of the sentence after the reference
    figures: tuple[StepFigure, ...] = ()  # switch blocks the step shows


def step_view(step: words.Step) -> Step:
    return Step(
        step.text.render(_),
        step.ref,
        step.after,
        tuple(step_figure(setting) for setting in step.settings),
    )


def step_figure(setting: words.Setting) -> StepFigure:
    """The switch block for a step's setting, drawn as the DIP table draws it."""
    width, height = dip_size(len(setting.states))
    img = Figure(svg_url(dip_svg(setting.states, setting.on_side)), width, height)
    return StepFigure(setting.caption.render(_), img)


@dataclass(frozen=True)
class StageView:
    """One stage of the change list: its heading and its numbered steps."""

    title: str
    steps: tuple[tuple[int, str], ...]  # (number, words); numbers run on across stages


@dataclass(frozen=True)
class ChangesView:
    """As found beside the corrected rack, and the numbered change list in stages."""

    found: Figure
    stages: tuple[StageView, ...]
    bring: str | None  # the new cables and the firmware-update cable the work needs
    side_by_side: bool
    installable: bool  # False: an error remains that no rearranging removes (its step is 1)


@dataclass(frozen=True)
class SheetView:
    title: str
    generator: str
    footer: str
    footer_alarm: bool  # the footer says the bank cannot be installed: large and black
    title_block: TitleBlock
    job: tuple[JobLine, ...]  # every job field in full, where the title block cut one short
    errors: tuple[FindingView, ...]
    warnings: tuple[FindingView, ...]
    corrected: bool
    count: int
    kwh: str
    master: str
    inverter: str | None
    notes: str | None
    notes_beside: bool  # short job notes go in page 1's side column, long ones below the rack
    model_counts: tuple[ModelCount, ...]
    legacy_models: str  # "LL-V1, LifePower4": the older-generation models in this bank
    restricted_label: str
    has_restricted: bool  # the bank has pins-7-and-8-only cables
    restricted_short: str  # for a column header
    restricted_meaning: str  # "a cable with only pins 7 and 8 populated"
    standard_label: str
    rack: Figure
    rack_beside: bool  # the rack stands beside the side column (else full width)
    dip_groups: tuple[DipGroup, ...]
    dip_pairs: bool  # two DIP blocks, and two cables, to a table row
    cables: tuple[CableRow, ...]
    caution: str
    port_note: str
    signal_note: str
    pinout: tuple[PinRow, ...]
    bom: tuple[BomRow, ...]
    checklist: tuple[ChecklistRow, ...]
    firmware_files: str | None  # where the firmware files are, and the guide inside them
    firmware_steps: tuple[Step, ...]
    steps: tuple[Step, ...]
    changes: ChangesView | None
    sections: dict[str, str]
    page_counter: str  # the CSS content of the page count in the margin: "Page " counter(page)…
    page: tuple[float, float]  # the content area's width and height, inches
    names: tuple[str, ...] = ()  # the catalog's model names: never broken over two lines


def sheet_view(
    analysis: Analysis,
    spec_name: str,
    paper: str | None = None,
    company: Company | None = None,
    beside_title: float = 0.0,
) -> SheetView:
    """Everything the templates print, drawn and worded once."""
    plan = analysis.plan
    paper = paper or plan.paper
    page_w, page_h = content_size(paper)
    wiring = plan.catalog.wiring
    models = plan.models
    counts = Counter(b.model.name for b in plan.batteries)
    steps = analysis.change_list if analysis.shows_changes else ()
    marks = found_marks(analysis, steps) if steps else Marks()
    fixes = {id(f): analysis.fixing(f) for f in plan.findings} if steps else {}
    errors = tuple(finding_view(f, fixes.get(id(f), ())) for f in plan.findings if f.is_error)
    warnings = warning_views([f for f in plan.findings if not f.is_error], fixes)
    count = len(plan.batteries)
    beside = count <= SIDE_RACK_MAX
    # Room for the rack on page 1: below the heading, the banner and the column headings.
    room = page_h - 0.5 - (0.8 if errors else 0) - (0.4 if analysis.shows_changes else 0)
    changes = None
    if analysis.shows_changes:
        # The change list is long: the two racks take rows a little lower than alone.
        row = CHANGES_ROW_TALL if needs_tall_rows(analysis.as_found) else CHANGES_ROW
        room = min(room, CHANGES_RACK_TOP + len(plan.batteries) * row)
        # Side by side while each rack fits one column; else one above the other, full width.
        half = (page_w - 0.25) / 2
        corrected = rack_drawing(plan, half, room)
        side_by_side = corrected.columns == 1
        if side_by_side:
            found = rack_drawing(analysis.as_found, half, room, marks)
        else:
            corrected = rack_drawing(plan, page_w, room)
            found = rack_drawing(analysis.as_found, page_w, room, marks)
        rack = figure(corrected)
        changes = ChangesView(
            figure(found),
            stage_views(steps),
            None if (what := bring(steps)) is None else what.render(_),
            side_by_side,
            analysis.installable,
        )
    else:
        rack = figure(rack_drawing(plan, SIDE_RACK_W if beside else page_w, room))
    notes = plan.job.notes
    notes_beside = len(notes or "") <= NOTES_BESIDE
    # Two cables (and two DIP blocks) to a table row; a sheet with changes pairs them sooner,
    # to keep its change list within the page budget.
    paired = count >= (DIP_PAIRS_WITH_CHANGES if analysis.shows_changes else DIP_PAIRS_FROM)
    block = title_block(plan, spec_name, (page_w - beside_title) * PT, company)
    # The job block stands full width, or in the left half beside the legend of a sheet
    # with changes; its value column is what is left beside the labels and the padding.
    job_w = (page_w * PT - 12) / 2 if analysis.shows_changes else page_w * PT
    return SheetView(
        title=plan.job.title or Path(spec_name).stem,
        generator=f"eg4sheet {__version__}",
        footer=_(FOOTER).format(version=__version__)
        if analysis.installable or not analysis.shows_changes
        else _(STOP_FOOTER),
        footer_alarm=analysis.shows_changes and not analysis.installable,
        title_block=block,
        job=job_block(plan, spec_name, company, block, job_w - JOB_LABEL_W * PT - 10),
        errors=errors,
        warnings=warnings,
        corrected=plan.corrected,
        count=sum(not b.leaves for b in plan.batteries),
        kwh=local_number(plan.kwh),
        master=plan.master.model.name if plan.master else "—",
        inverter=plan.inverter,
        notes=notes,
        notes_beside=notes_beside,
        model_counts=tuple(ModelCount(m.name, counts[m.name], local_number(m.kwh)) for m in models),
        legacy_models=", ".join(m.name for m in models if m.generation == "legacy"),
        restricted_label=_(cables.label(cables.RESTRICTED)),
        has_restricted=any(c.kind == cables.RESTRICTED for c in plan.cables),
        restricted_short=_(cables.KINDS[cables.RESTRICTED].short),
        restricted_meaning=_(cables.KINDS[cables.RESTRICTED].wanted),
        standard_label=_(cables.KINDS["standard"].name),
        rack=rack,
        rack_beside=beside,
        dip_groups=tuple(dip_group(plan, m, paired) for m in models),
        dip_pairs=paired,
        cables=tuple(
            CableRow(
                c.upper,
                c.lower,
                _(cables.KINDS[c.kind].drawn if paired else c.label),
                c.kind == cables.RESTRICTED,
                _pins(c.pins, paired),
            )
            for c in plan.cables
        ),
        caution=words.caution(plan).render(_),
        port_note=words.port_note(models).render(_),
        signal_note=_(wiring.signal_note),
        pinout=tuple(pin_row(wiring, number) for number in sorted(wiring.colours)),
        bom=tuple(
            BomRow(
                line.quantity,
                line.text.render(_),
                line.note_text.render(_),
                local_number(line.total_kwh) if line.total_kwh is not None else "",
            )
            for line in plan.bom()
        ),
        checklist=tuple(
            ChecklistRow(
                b.position,
                None if b.leaves else b.id,
                b.model.name,
                b.serial,
                _(" or ").join(b.model.firmware),
                b.firmware_installed,
                b.firmware_ok is False,
                b.firmware_ok is True,
                b.model.canonical_firmware(b.firmware_installed) if b.firmware_installed else None,
            )
            for b in plan.batteries
        ),
        firmware_files=files.render(_) if (files := words.firmware_files(plan.catalog)) else None,
        firmware_steps=tuple(step_view(step) for step in words.firmware_steps(plan)),
        steps=tuple(step_view(step) for step in words.commissioning_steps(plan)),
        changes=changes,
        sections={anchor: _(name) for anchor, name in SECTIONS.items()},
        page_counter=page_counter(),
        page=(page_w, page_h),
        names=(
            *(name for model in plan.catalog.models for name in (model.name, *model.aliases)),
            *(name for other in plan.catalog.not_covered for name in (other.name, *other.aliases)),
        ),
    )


def stage_views(steps: Sequence[Change]) -> tuple[StageView, ...]:
    """The change list by stage, each stage under its heading, the numbers running on."""
    stages: list[StageView] = []
    for number, step in enumerate(steps, start=1):
        title = _(step.stage.value)
        if stages and stages[-1].title == title:
            last = stages[-1]
            stages[-1] = StageView(title, (*last.steps, (number, step.text.render(_))))
        else:
            stages.append(StageView(title, ((number, step.text.render(_)),)))
    return tuple(stages)


def page_counter() -> str:
    """'Page N of M' as CSS content, the counters where the sentence has its numbers."""
    words = _("Page {page} of {pages}")
    parts = re.split(r"\{(page|pages)\}", words)
    css = [  # odd parts are the counters' names; CSS strings get no quote or backslash
        f"counter({part})" if odd else '"' + re.sub(r'["\\]', "", part) + '"'
        for odd, part in ((index % 2 == 1, part) for index, part in enumerate(parts))
        if odd or part
    ]
    return " ".join(css)


# --- DIP switches ----------------------------------------------------------------------


def dip_group(plan: InstallPlan, model: BatteryModel, pairs: bool) -> DipGroup:
    batteries = [b for b in plan.batteries if b.model.name == model.name]
    dip = model.dip
    zero_note = words.zero_note(model)
    width, height = dip_size(dip.switches)
    cards = [
        DipCard(
            b.position,
            None if b.leaves else b.id,
            model.name,
            b.serial,
            b.switch_words.render(_),
            _state_lines(b, 2 if pairs else dip.switches),
            words.dip_value(b, short=pairs).render(_),
            Figure(svg_url(dip_svg(b.dip, dip.on_side)), width, height)
            if b.dip is not None
            else None,
        )
        for b in batteries
    ]
    return DipGroup(
        model.name,
        len(batteries),
        words.encoding(model).render(_),
        zero_note.render(_) if zero_note else None,
        dip.inferred,
        _(dip.source),
        tuple(cards),
    )


def _state_lines(battery: PlannedBattery, per_line: int) -> tuple[tuple[str, ...], ...]:
    states = [f"{n} {state}" for n, state in enumerate(battery.dip or (), start=1)]
    return tuple(tuple(states[i : i + per_line]) for i in range(0, len(states), per_line))


# --- cables ----------------------------------------------------------------------------


def pin_row(wiring: Wiring, number: int) -> PinRow:
    colour = wiring.colours[number]
    fill = SWATCH.get(colour.removeprefix("white/"), "#999")
    swatch = (
        f"background: repeating-linear-gradient(90deg, #fff, #fff 3pt, {fill} 3pt, {fill} 6pt)"
        if colour.startswith("white/")
        else f"background: {fill}"
    )
    return PinRow(
        number,
        _(colour),  # a colour is a word: translated through the catalog's entries
        swatch,
        wiring.neighbour_signals.get(number),
        wiring.update_signals.get(number),
    )


def _pins(pins: tuple[int, ...], short: bool = False) -> str:
    """'1, 2, 3, 7, 8'; short: runs joined, '1–3, 7–8'."""
    if not short:
        return ", ".join(str(pin) for pin in pins)
    runs: list[list[int]] = []
    for pin in pins:
        if runs and runs[-1][-1] == pin - 1:
            runs[-1].append(pin)
        else:
            runs.append([pin])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)
