"""The sheet view: every value the templates print, finished, typed and frozen.

Built once from the analysis (the one corrected plan, the bank as found and the change
list) and the catalog; the templates only loop and test. No hardware fact or model name is
written here: names, colours, signal names, ports and addresses come from the catalog, cable
kinds and their labels from the cable module. Every sentence the sheet prints is whole,
here or in a template, so it can be translated as one.
"""

from __future__ import annotations

import base64
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from generator import __version__
from generator.bank import cables
from generator.bank.analysis import Analysis
from generator.bank.catalog import BatteryModel, Catalog, Wiring
from generator.bank.changes import Change
from generator.bank.diagnostics import Finding
from generator.bank.i18n import N_, _, join, ngettext
from generator.bank.i18n import date as local_date
from generator.bank.i18n import number as local_number
from generator.bank.plan import InstallPlan, PlannedBattery
from generator.company import Company
from generator.sheet import estimate, fit
from generator.sheet.figures.dip import dip_svg
from generator.sheet.figures.dip import size as dip_size
from generator.sheet.figures.rack import Drawing, Marks, rack_drawing
from generator.sheet.figures.titleblock import Cell, title_block_svg

SWATCH = {"orange": "#f28c28", "green": "#2e9e44", "blue": "#2a62c9", "brown": "#7b4a21"}
FOOTER = N_("eg4sheet {version} · the bank spec that made this sheet is attached to the PDF")
# On every page of a bank no rearranging makes installable, instead of the line above.
STOP_FOOTER = N_("NOT INSTALLABLE until change 1 (1 · Overview) is done")

# The page: paper size and margins in inches (the stylesheet uses the same margins).
PAPER = {"letter": (8.5, 11.0), "a4": (8.27, 11.69)}
# The top margin holds the title block and the QR code beside it (qrcode.css: 38 mm).
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 38 / 25.4, 0.6, 0.55
PT = 72
# Page 1 takes the rack beside a side column up to this many batteries, in columns above.
SIDE_RACK_MAX = 16
SIDE_RACK_W = 4.0  # inches
NOTES_BESIDE = 400  # characters of job notes that still fit page 1's side column
# The DIP table sets two batteries per row from this many batteries on.
DIP_PAIRS_FROM = 9

# Title block fields: (sizes to try in points, the value's height in points).
TITLE_SIZES = (12.0, 11.0, 10.0, 9.0)
FIELD_SIZES = (9.0, 8.0, 7.5, 7.0)
ROW1_H, ROW2_H = 26.5, 19.5  # fits the QR code's caption above the block (issue 13)
TITLE_LEADING = 1.1
LEADING = 1.15
LABEL_H = 12.5  # a title-block box's label and padding above its value, points

# Findings about one battery, and about the cable below a position (design.md's codes): on a
# sheet with a change list they point to the changes that concern the same battery or cable.
BATTERY_CODES = frozenset({"E101", "E102", "E103", "E104", "E105", "E110", "E111", "W201"})
CABLE_CODES = frozenset({"E106", "E107", "E108"})

SECTIONS = {  # the sections an instruction can refer to, by anchor, and their names
    "overview": N_("1 · Overview"),
    "firmware": N_("2 · Firmware"),
    "dip": N_("3 · DIP switches"),
    "cables": N_("4 · Cables"),
    "commissioning": N_("5 · Commissioning"),
}


@dataclass(frozen=True)
class Figure:
    url: str  # a data: URL
    width: float  # inches, as printed
    height: float


@dataclass(frozen=True)
class TitleBlock:
    img: Figure  # the block, every field fitted to its box
    logo_url: str | None  # the company's logo, placed over the company box
    logo_width: float  # inches the logo may take


@dataclass(frozen=True)
class FindingView:
    severity: str
    code: str
    message: str
    hint: str | None
    where: str
    see: str | None = None  # on a sheet with a change list: the changes that fix it


@dataclass(frozen=True)
class DipCard:
    position: int
    id: int
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
    id: int
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
    """One numbered instruction; `ref` names a section the step points to, or None."""

    text: str
    ref: str | None = None
    after: str = ""  # the rest of the sentence after the reference
    figures: tuple[StepFigure, ...] = ()  # switch blocks the step shows


@dataclass(frozen=True)
class ChangesView:
    """As found beside the corrected rack, and the numbered change list."""

    found: Figure
    steps: tuple[str, ...]
    side_by_side: bool
    installable: bool  # False: an error remains that no rearranging removes (its step is 1)


@dataclass(frozen=True)
class SheetView:
    title: str
    generator: str
    footer: str
    footer_alarm: bool  # the footer says the bank cannot be installed: large and black
    title_block: TitleBlock
    errors: tuple[FindingView, ...]
    warnings: tuple[FindingView, ...]
    warnings_beside: bool  # the warnings fit in page 1's side column
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


def data_url(mime: str, content: bytes | str) -> str:
    raw = content.encode() if isinstance(content, str) else content
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def svg_url(svg: str) -> str:
    return data_url("image/svg+xml", svg)


def content_size(paper: str) -> tuple[float, float]:
    """Width and height of the page's content area in inches."""
    width, height = PAPER.get(paper, PAPER["letter"])
    return width - 2 * MARGIN_SIDE, height - MARGIN_TOP - MARGIN_BOTTOM


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
    steps = analysis.steps() if analysis.shows_changes else []
    marks = found_marks(analysis, steps) if steps else Marks()
    errors = tuple(finding_view(f, marks) for f in plan.findings if f.is_error)
    warnings = warning_views([f for f in plan.findings if not f.is_error], marks)
    count = len(plan.batteries)
    beside = count <= SIDE_RACK_MAX
    # Room for the rack on page 1: below the heading, the banner and the column headings.
    room = page_h - 0.5 - (0.8 if errors else 0) - (0.4 if analysis.shows_changes else 0)
    changes = None
    if analysis.shows_changes:
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
            figure(found), tuple(step.text for step in steps), side_by_side, analysis.installable
        )
    else:
        rack = figure(rack_drawing(plan, SIDE_RACK_W if beside else page_w, room))
    notes = plan.job.notes
    notes_beside = len(notes or "") <= NOTES_BESIDE
    paired = count >= DIP_PAIRS_FROM  # two cables (and two DIP blocks) to a table row
    return SheetView(
        title=plan.job.title or Path(spec_name).stem,
        generator=f"eg4sheet {__version__}",
        footer=_(FOOTER).format(version=__version__)
        if analysis.installable or not analysis.shows_changes
        else _(STOP_FOOTER),
        footer_alarm=analysis.shows_changes and not analysis.installable,
        title_block=title_block(plan, spec_name, (page_w - beside_title) * PT, company),
        errors=errors,
        warnings=warnings,
        warnings_beside=beside
        and not analysis.shows_changes
        and not errors
        and estimate.side_height(warnings, notes if notes_beside else None, len(models))
        <= rack.height + 0.2,
        corrected=plan.corrected,
        count=count,
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
        caution=caution(plan),
        port_note=port_note(models),
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
                b.id,
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
        firmware_files=firmware_files(plan.catalog),
        firmware_steps=firmware_steps(plan),
        steps=commissioning_steps(plan),
        changes=changes,
        sections={anchor: _(name) for anchor, name in SECTIONS.items()},
        page_counter=page_counter(),
        page=(page_w, page_h),
    )


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


def figure(drawing: Drawing) -> Figure:
    return Figure(svg_url(drawing.svg), drawing.width, drawing.height)


def _numbers(
    steps: list[Change], battery: int | None = None, cable: int | None = None
) -> tuple[int, ...]:
    """The numbers of the change steps that concern a battery or a cable as found."""
    found = []
    for number, step in enumerate(steps, start=1):
        if (battery is not None and battery in (step.battery, *step.batteries)) or (
            cable is not None and cable in step.cables
        ):
            found.append(number)
    return tuple(found)


def found_marks(analysis: Analysis, steps: list[Change]) -> Marks:
    """Which change steps to mark on each battery and cable of the bank as found. A cable
    that is wrong only where it stands now (the batteries beside it move) gets the numbers
    of those moves."""
    found, plan = analysis.as_found, analysis.plan
    batteries = {b.position: _numbers(steps, battery=b.position) for b in found.batteries}
    moves = {  # a moved battery's first step is its move
        b.was_at: _numbers(steps, battery=b.was_at)[:1]
        for b in plan.batteries
        if b.was_at != b.position
    }
    breakers = cables.breaker_pins(found.models)
    marked: dict[int, tuple[int, ...]] = {}
    for cable in found.cables:
        own = _numbers(steps, cable=cable.upper)
        wrong_here = found.cables_listed and bool(
            cables.faults(cable.found_pins, cable.kind, breakers)
        )
        if not own and wrong_here:
            own = tuple(sorted(moves.get(cable.upper, ()) + moves.get(cable.lower, ())))
        marked[cable.upper] = own
    removed: dict[int, tuple[int, ...]] = {}
    for number, step in enumerate(steps, start=1):
        if step.removes is not None:
            removed[step.removes] = (*removed.get(step.removes, ()), number)
    return Marks(batteries, marked, removed, plan.batteries[0].was_at if plan.batteries else None)


# --- the title block -------------------------------------------------------------------


def title_block(
    plan: InstallPlan, spec_name: str, width: float, company: Company | None
) -> TitleBlock:
    """Every job field fitted to its box: wrapped, shrunk to a floor, then cut with an
    ellipsis, so the block keeps one height whatever is typed."""
    job = plan.job
    with_company = bool(company and (company.name or company.logo_url))
    left = round(width * 0.26, 2) if with_company else 0.0
    rest = width - left
    row1, row2 = ROW1_H + LABEL_H, ROW2_H + LABEL_H  # the value, its label and padding
    cells: list[Cell] = []

    def row(y: float, height: float, fields: list[tuple[str, str | None, float, bool]]) -> None:
        x = left
        for label, text, share, bold in fields:
            part = rest * share
            sizes = TITLE_SIZES if bold else FIELD_SIZES
            leading = TITLE_LEADING if bold else LEADING
            fitted = _fit_field(text or "—", part - 9, height - LABEL_H, sizes, bold, leading)
            cells.append(
                Cell(x, y, part, height, label, fitted.size, fitted.lines, bold, leading=leading)
            )
            x += part

    row(
        0,
        row1,
        [
            (_("Battery bank install sheet"), job.title or Path(spec_name).stem, 0.5, True),
            (_("Quote"), job.quote, 0.2, False),
            (_("Revision"), job.revision, 0.13, False),
            (_("Date"), local_date(job.date), 0.17, False),
        ],
    )
    row(
        row1,
        row2,
        [
            (_("Installer"), job.installer, 0.33, False),
            (_("Customer"), job.customer, 0.33, False),
            (_("Site"), job.site, 0.34, False),
        ],
    )
    logo_h = 20.0 if company and company.logo_url else 0.0
    if with_company and company is not None:
        cells += company_cells(company, left, row1 + row2, logo_h)
    svg = title_block_svg(cells, width, row1 + row2)
    return TitleBlock(
        Figure(svg_url(svg), width / PT, (row1 + row2) / PT),
        company.logo_url if company else None,
        (left - 9) / PT,
    )


def _fit_field(
    text: str,
    room: float,
    height: float,
    sizes: tuple[float, ...],
    bold: bool,
    leading: float = LEADING,
) -> fit.Fitted:
    """The largest size at which the text wraps into the lines that fit the box's height; at
    the smallest size, as many lines as fit, the last one cut with an ellipsis."""
    for size in sizes:
        lines = max(1, int(height // (size * leading)))
        wrapped = fit.wrap(text, room, size, bold)
        if len(wrapped) <= lines:
            return fit.Fitted(size, tuple(wrapped))
    floor = sizes[-1]
    return fit.fit(text, room, (floor,), max(1, int(height // (floor * leading))), bold)


def company_cells(company: Company, width: float, height: float, logo_h: float) -> list[Cell]:
    """The company box: logo, name (bold), address, phone and licence, at the largest sizes
    that let all of it fit; the address is cut short first when nothing else will do."""
    room = width - 9
    contact = " · ".join(
        part
        for part in (
            company.phone,
            _("Licence {licence}").format(licence=company.licence) if company.licence else None,
        )
        if part
    )
    space = height - 5 - (logo_h + 1 if logo_h else 0)
    parts: list[tuple[str, float, bool]] = []
    for name_size, size in ((9.0, 7.5), (8.0, 7.5), (8.0, 7.0), (7.5, 7.0), (7.0, 7.0)):
        parts = [(company.name or "", name_size, True), (company.address or "", size, False)]
        parts.append((contact, size, False))
        used = sum(
            len(fit.wrap(text, room, part_size, bold)) * part_size * LEADING
            for text, part_size, bold in parts
        )
        if used <= space:
            break
    # Name and contact keep up to two lines each; the address takes what room is left.
    (name, name_size, _bold), (address, size, _plain), _contact = parts
    name_lines = fit.fit(name, room, (name_size,), 2, True).lines if name else ()
    contact_lines = fit.fit(contact, room, (size,), 2).lines if contact else ()
    left = space - len(name_lines) * name_size * LEADING - len(contact_lines) * size * LEADING
    fits = max(1, int(left // (size * LEADING)))
    address_lines = fit.fit(address, room, (size,), fits).lines if address else ()
    top = logo_h + 1 if logo_h else 0.0
    cells = []
    for index, (lines, part_size, bold) in enumerate(
        ((name_lines, name_size, True), (address_lines, size, False), (contact_lines, size, False))
    ):
        box = (0.0, 0.0, width, height) if index == 0 else (0.0, 0.0, 0.0, 0.0)
        cells.append(Cell(*box, None, part_size, tuple(lines), bold, top))
        top += len(lines) * part_size * LEADING
    return cells


# --- instructions ----------------------------------------------------------------------


def firmware_files(catalog: Catalog) -> str | None:
    """Where the multipack firmware files are and the guide inside them, as the interop guide
    says (the catalog's firmware_files); None where a catalog does not say."""
    files = catalog.firmware_files
    if files is None:
        return None
    return _('Files: {where}; unzip them and follow the included "{guide}".').format(
        where=_(files.where), guide=files.guide
    )


def firmware_steps(plan: InstallPlan) -> tuple[Step, ...]:
    """The firmware stage, before the bank is assembled: one battery at a time, powered on by
    itself, on the address BMS Tools needs where our sources give it."""
    update = _and([str(pin) for pin in sorted(plan.catalog.wiring.update_signals)])
    return (
        Step(
            _("Keep the battery off the bank: no neighbour cable and no inverter cable connected.")
        ),
        Step(tools_address(plan.models)),
        Step(_("Switch on this battery alone (its breaker and BMS switch).")),
        Step(
            _(
                "Connect the PC running BMS Tools through the firmware-update cable, pins {pins}."
            ).format(pins=update)
        ),
        Step(
            _("Update it to the required firmware below; write the version it now runs and tick.")
        ),
        Step(_("Switch it off and disconnect the PC; then the next battery.")),
    )


def tools_address(models: list[BatteryModel]) -> str:
    """Which address each model must have while BMS Tools updates it, where our sources say;
    for the other models the sheet says only that our sources do not give it."""
    by_setting: dict[tuple[int, tuple[str, ...]], list[BatteryModel]] = {}
    for model in models:
        if model.dip.tools_id is not None:
            key = (model.dip.tools_id, model.dip.states(model.dip.tools_id))
            by_setting.setdefault(key, []).append(model)
    sentences = []
    for (address, states), known in by_setting.items():
        setting = (
            _("all {count} switches {state}").format(count=len(states), state=states[0])
            if len(set(states)) == 1
            else " · ".join(f"{n} {state}" for n, state in enumerate(states, start=1))
        )
        names = _and([model.name for model in known])
        inferred = [model.name for model in known if model.dip.inferred]
        sentence = (
            _(
                "Set the DIP switches of each {models} to {setting} (ID {id}), the address "
                "BMS Tools needs (inferred for the {inferred}, as its table is)."
            )
            if inferred
            else _(
                "Set the DIP switches of each {models} to {setting} (ID {id}), the address "
                "BMS Tools needs."
            )
        )
        sentences.append(
            sentence.format(
                models=names, setting=setting, id=address, inferred=_and(inferred or [""])
            )
        )
    unknown = [model.name for model in models if model.dip.tools_id is None]
    if unknown and sentences:
        sentences.append(
            _(
                "Our sources do not give that address for the {models}: follow BMS Tools' "
                "own instructions."
            ).format(models=_and(unknown))
        )
    elif unknown:
        sentences.append(
            _(
                "Our sources do not give the address BMS Tools needs for the {models}: "
                "follow BMS Tools' own instructions."
            ).format(models=_and(unknown))
        )
    return " ".join(sentences)


def commissioning_steps(plan: InstallPlan) -> tuple[Step, ...]:
    """After every battery runs its firmware: charging first where a manual asks it,
    addresses, cables, power on from the master down, the inverter protocol on the master as
    its manual says (at its protocol address where the catalog gives one)."""
    master = plan.master.model if plan.master else None
    inverter = (
        _("Connect the master (ID 1, at the top) to the inverter through its {ports} port.").format(
            ports=_(master.inverter_ports)
        )
        if master and master.inverter_ports
        else _("Connect the master (ID 1, at the top) to the inverter, as their manuals say.")
    )
    restricted = _(cables.label(cables.RESTRICTED))
    neighbours = []
    if any(cable.kind == cables.RESTRICTED for cable in plan.cables):
        text = _(
            "Connect the neighbour cables, the {restricted} cables where marked, as listed in"
        ).format(restricted=restricted)
        neighbours.append(Step(text, "cables", "."))
    elif plan.cables:
        neighbours.append(Step(_("Connect the neighbour cables as listed in"), "cables", "."))
    several = len(plan.batteries) > 1
    if master and master.protocol_address is not None:
        power_on = (
            Step(_("Power on the master (ID 1) alone first."))
            if several
            else Step(_("Power on the battery."))
        )
        protocol = protocol_at_address(master)
        rest = (
            (Step(_("Then power on the other batteries one at a time, down the rack.")),)
            if several
            else ()
        )
        powering: tuple[Step, ...] = (power_on, *protocol, *rest)
    else:
        power_on = Step(
            _("Power on one battery at a time: the master (ID 1) first, then down the rack.")
            if several
            else _("Power on the battery.")
        )
        powering = (power_on, protocol_as_manual(master))
    return (
        switch_off(plan.models),
        Step(
            _("Set every battery's DIP address (each model has its own table) as shown in"),
            "dip",
            ".",
        ),
        *neighbours,
        Step(inverter),
        *powering,
    )


def switch_off(models: list[BatteryModel]) -> Step:
    """Breakers and BMS switches off; first, where a model's manual asks it (the catalog's
    charge_first), each battery charged alone to 100% before the bank is paralleled."""
    asking = [model.name for model in models if model.charge_first]
    if not asking:
        return Step(_("Switch off every battery breaker and BMS switch."))
    return Step(
        _(
            "Charge each battery alone to 100% before paralleling ({models} manual); then "
            "switch off every breaker and BMS switch."
        ).format(models=_and(asking))
    )


def protocol_as_manual(master: BatteryModel | None) -> Step:
    """The inverter protocol where our sources give no address step: on the master's screen
    only where the catalog says how the screen sets it; otherwise as its manual says."""
    if master and master.protocol_setting:
        return Step(
            _(
                "Choose the inverter protocol on the master's screen as the {model} manual "
                "says ({setting}); it is not set with DIP switches."
            ).format(model=master.name, setting=_(master.protocol_setting))
        )
    if master:
        return Step(
            _("Set the inverter protocol on the master as the {model} manual says.").format(
                model=master.name
            )
        )
    return Step(_("Set the inverter protocol on the master as its manual says."))


def protocol_at_address(master: BatteryModel) -> tuple[Step, ...]:
    """The 4-switch LL masters: the protocol changes only at the catalog's protocol address,
    after a restart with the BMS button; then back to ID 1 and restart again. The switch
    words and drawings are the block's own ON and OFF, never a direction."""
    address = master.protocol_address
    assert address is not None
    dip = master.dip
    at_address, at_one = dip.states(address), dip.states(1)
    match = _("ON and OFF as printed on the switch block: match its label, whichever way it faces.")
    sentence = (
        _(
            "The {model} manual allows the inverter protocol to be changed only at address "
            "{address}: set the master's DIP switches to ID {address} ({switches}) and restart "
            "it with only its BMS power button; then, on its screen, {setting}. {match}"
        )
        if master.protocol_setting
        else _(
            "The {model} manual allows the inverter protocol to be changed only at address "
            "{address}: set the master's DIP switches to ID {address} ({switches}), restart it "
            "with only its BMS power button and choose the protocol as the manual says. {match}"
        )
    )
    text = sentence.format(
        model=master.name,
        address=address,
        switches=_switch_words(at_address),
        setting=_(master.protocol_setting) if master.protocol_setting else "",
        match=match,
    )
    back = _(
        "Set the master back to ID 1 ({switches}) and restart it again with its BMS power button."
    ).format(switches=_switch_words(at_one))
    return (
        Step(text, figures=(_step_figure(address, at_address, dip.on_side),)),
        Step(back, figures=(_step_figure(1, at_one, dip.on_side),)),
    )


def _switch_words(states: tuple[str, ...]) -> str:
    return " · ".join(f"{n} {state}" for n, state in enumerate(states, start=1))


def _step_figure(battery_id: int, states: tuple[str, ...], on_side: str) -> StepFigure:
    width, height = dip_size(len(states))
    caption = _("ID {id}: {switches}").format(id=battery_id, switches=_switch_words(states))
    return StepFigure(caption, Figure(svg_url(dip_svg(states, on_side)), width, height))


def port_note(models: list[BatteryModel]) -> str:
    """Where the neighbour cables plug in, for the models in this bank that our sources name."""
    by_port: dict[str, list[str]] = {}
    for model in models:
        if model.comm_ports:
            by_port.setdefault(model.comm_ports, []).append(model.name)
    unnamed = [model.name for model in models if not model.comm_ports]
    # The chain's ends are told only where every battery in it has the named ports.
    sentence = (
        _('On the {models} the neighbour cables go between the two "{port}" ports.')
        if unnamed or len(by_port) > 1
        else _(
            'On the {models} the neighbour cables go between the two "{port}" ports: the '
            "chain runs from the right port of the last address to the left port of the master."
        )
    )
    parts = [  # the port's name is printed on the battery: it stays as it is
        sentence.format(models=_and(names), port=port) for port, names in by_port.items()
    ]
    if unnamed:
        parts.append(
            _(
                "Our sources do not name the ports of the {models}: check the label on the battery."
            ).format(models=_and(unnamed))
        )
    return " ".join(parts)


def caution(plan: InstallPlan) -> str:
    """The cable caution: which cables carry only pins 7 and 8, from which battery down, and
    the breaker only where a model with one is in the bank."""
    restricted = [c for c in plan.cables if c.kind == cables.RESTRICTED]
    if not restricted:
        return _(
            "This bank does not mix new-generation batteries with older ones: ordinary Cat5e "
            "patch cables are fine between neighbours. A cable missing pin 7 or 8 carries no "
            "communication."
        )
    first = plan.batteries[restricted[0].upper - 1]
    pairs = ", ".join(f"{c.upper}–{c.lower}" for c in restricted)
    breakers = cables.breaker_models(plan.models)
    why = (
        " "
        + _("If {pins} carry a signal, the {models} trips its breaker.").format(
            pins=cables.pin_words(cables.breaker_pins(plan.models), "or").render(_),
            models=_and([m.name for m in breakers]),
        )
        if breakers
        else ""
    )
    return _(
        "From the {model} at position {position}, the last multipack battery, down through "
        "every older battery, the cables between positions {pairs} must have ONLY pins 7 and "
        "8 populated.{why} A cable missing pin 7 or 8 carries no communication."
    ).format(model=first.model.name, position=first.position, pairs=pairs, why=why)


# --- findings --------------------------------------------------------------------------

SEVERITY = {"error": N_("error"), "warning": N_("warning")}


def warning_views(warnings: list[Finding], marks: Marks) -> tuple[FindingView, ...]:
    """Warnings for the sheet; many 'firmware not given' become one line, so a large bank's
    real warnings are not buried (the CLI and JSON still list every one)."""
    missing = [f for f in warnings if f.code == "W202"]
    if len(missing) <= 3:  # each said alone; on paper the fix is the checklist, not the spec
        fill_in = _("read its firmware in BMS Tools and write it in the checklist")
        return tuple(
            replace(finding_view(f, marks), hint=fill_in)
            if f.code == "W202"
            else finding_view(f, marks)
            for f in warnings
        )
    positions = ", ".join(str(f.position) for f in missing)
    summary = FindingView(
        _(SEVERITY["warning"]),
        "W202",
        ngettext(
            "installed firmware is not given for {count} battery "
            "(position {positions}): the checklist leaves it to be filled in",
            "installed firmware is not given for {count} batteries "
            "(positions {positions}): the checklist leaves it to be filled in",
            len(missing),
        ).format(count=len(missing), positions=positions),
        _("read each battery's firmware in BMS Tools and write it in the checklist"),
        Path(missing[0].location.file).name,
    )
    return (summary, *(finding_view(f, marks) for f in warnings if f.code != "W202"))


def finding_view(finding: Finding, marks: Marks) -> FindingView:
    """A finding for the sheet: where it is by file name only (a folder is nobody's business
    on a customer's PDF). On a sheet with a change list, a finding points to the changes
    marked on the battery or cable it concerns instead of saying them twice."""
    where = _("{file}, line {line}, column {column}").format(
        file=Path(finding.location.file).name,
        line=finding.location.line,
        column=finding.location.column,
    )
    numbers: tuple[int, ...] = ()
    if finding.position is not None and finding.code == "E109":
        numbers = marks.removed.get(finding.position, ())
    elif finding.position is not None and finding.code in CABLE_CODES:
        numbers = marks.cables.get(finding.position, ())
    elif finding.position is not None and finding.code in BATTERY_CODES:
        numbers = marks.batteries.get(finding.position, ())
        if finding.code == "E102" and marks.master_from is not None:  # the new master's move too
            moved_up = marks.batteries.get(marks.master_from, ())[:1]
            numbers = tuple(sorted(set(numbers) | set(moved_up)))
    see = None
    if len(numbers) == 1:
        see = _("change {number} above.").format(number=numbers[0])
    elif numbers:
        see = _("changes {numbers} above.").format(numbers=_and([str(n) for n in numbers]))
    return FindingView(
        _(SEVERITY[str(finding.severity)]),
        finding.code,
        finding.message_in(_),
        finding.hint_in(_),
        where,
        see,
    )


# --- DIP switches ----------------------------------------------------------------------


def dip_group(plan: InstallPlan, model: BatteryModel, pairs: bool) -> DipGroup:
    batteries = [b for b in plan.batteries if b.model.name == model.name]
    dip = model.dip
    values = ", ".join(f"{n}={w}" for n, w in enumerate(dip.weights, start=1))
    top = 1 << dip.switches
    special = _("all ON = ID {top} · ").format(top=top) if dip.id_high == top else ""
    encoding = _(
        "Switch values {values} · a switch adds its value when {state} · {special}IDs {low}–{high}"
    ).format(
        values=values,
        state=dip.one_when,
        special=special,
        low=max(dip.id_low, 1),
        high=dip.id_high,
    )
    zero_note = None
    if dip.id_low == 0:
        zero = dip.states(0)
        setting = (
            _("all {state}").format(state=zero[0]) if len(set(zero)) == 1 else " · ".join(zero)
        )
        zero_note = (
            _("ID 0 ({setting}) is never used: {why}. IDs start at 1, the master.").format(
                setting=setting, why=_(dip.zero_note)
            )
            if dip.zero_note
            else _("ID 0 ({setting}) is not used in a bank: IDs start at 1, the master.").format(
                setting=setting
            )
        )
    width, height = dip_size(dip.switches)
    cards = [
        DipCard(
            b.position,
            b.id,
            model.name,
            b.serial,
            b.dip_words,
            _state_lines(b, 2 if pairs else dip.switches),
            dip_value(b, short=pairs),
            Figure(svg_url(dip_svg(b.dip, dip.on_side)), width, height)
            if b.dip is not None
            else None,
        )
        for b in batteries
    ]
    return DipGroup(
        model.name, len(batteries), encoding, zero_note, dip.inferred, _(dip.source), tuple(cards)
    )


def _state_lines(battery: PlannedBattery, per_line: int) -> tuple[tuple[str, ...], ...]:
    states = [f"{n} {state}" for n, state in enumerate(battery.dip or (), start=1)]
    return tuple(tuple(states[i : i + per_line]) for i in range(0, len(states), per_line))


def dip_value(battery: PlannedBattery, short: bool = False) -> str:
    """How the ID adds up, so an installer can check the drawing against the battery's label
    (`short`: the sum only, where the words beside it already say which switches count)."""
    dip = battery.model.dip
    if battery.dip is None:
        return _("NO ADDRESS: ID {id} is beyond this model's IDs {low}–{high}").format(
            id=battery.id, low=max(dip.id_low, 1), high=dip.id_high
        )
    counting = [
        (n, w)
        for n, (w, s) in enumerate(zip(dip.weights, battery.dip, strict=True), 1)
        if s == dip.one_when
    ]
    if not counting:
        return _("no switch {state}: value 0 = ID {id}").format(state=dip.one_when, id=battery.id)
    total = " + ".join(str(w) for _w, w in sorted(counting, key=lambda c: -c[1]))
    if short:
        return f"ID {battery.id} = {total}"
    switches = ", ".join(str(n) for n, _w in counting)
    return ngettext(
        "ID {id} = {total} (switch {switches} {state})",
        "ID {id} = {total} (switches {switches} {state})",
        len(counting),
    ).format(id=battery.id, total=total, switches=switches, state=dip.one_when)


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


def _and(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C', in the sheet's language."""
    return join(names).render(_)
