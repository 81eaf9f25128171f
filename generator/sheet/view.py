"""The sheet view: every value the templates print, finished, typed and frozen.

Built once from the analysis (the one corrected plan, the bank as found and the change
list) and the catalog; the templates only loop and test. No hardware fact or model name is
written here: names, colours, signal names and ports come from the catalog, cable kinds and
their labels from the cable module.
"""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from generator import __version__
from generator.bank import cables
from generator.bank.analysis import Analysis
from generator.bank.catalog import BatteryModel, Wiring
from generator.bank.diagnostics import Finding
from generator.bank.plan import InstallPlan, PlannedBattery

SWATCH = {"orange": "#f28c28", "green": "#2e9e44", "blue": "#2a62c9", "brown": "#7b4a21"}
FOOTER = f"eg4sheet {__version__} · the bank spec that made this sheet is attached to the PDF"


@dataclass(frozen=True)
class FindingView:
    severity: str
    code: str
    message: str
    hint: str | None
    where: str


@dataclass(frozen=True)
class DipCard:
    position: int
    id: int
    serial: str | None
    words: str
    value: str
    img: str | None  # a data: URL of the switch block, None when the ID has no address


@dataclass(frozen=True)
class DipGroup:
    model: str
    count: int
    encoding: str
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
    wrong: bool


@dataclass(frozen=True)
class ModelCount:
    model: str
    count: int
    kwh: str


@dataclass(frozen=True)
class ChangesView:
    """The As found / Corrected page."""

    img: str
    corrected_img: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class SheetView:
    title: str
    generator: str
    footer: str
    errors: tuple[FindingView, ...]
    warnings: tuple[FindingView, ...]
    corrected: bool
    count: int
    kwh: str
    master: str
    inverter: str | None
    notes: str | None
    model_counts: tuple[ModelCount, ...]
    legacy_models: str  # "LL-V1, LifePower4": the older-generation models in this bank
    restricted_label: str
    restricted_short: str  # for a column header
    restricted_meaning: str  # "a cable with only pins 7 and 8 populated"
    standard_label: str
    rack_imgs: tuple[str, ...]
    dip_groups: tuple[DipGroup, ...]
    cables: tuple[CableRow, ...]
    caution: str
    port_note: str
    signal_note: str
    pinout: tuple[PinRow, ...]
    bom: tuple[BomRow, ...]
    checklist: tuple[ChecklistRow, ...]
    steps: tuple[str, ...]
    changes: ChangesView | None


def data_url(mime: str, content: bytes | str) -> str:
    raw = content.encode() if isinstance(content, str) else content
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def svg_url(svg: str) -> str:
    return data_url("image/svg+xml", svg)


def sheet_view(analysis: Analysis, spec_name: str, paper: str | None = None) -> SheetView:
    """Everything the templates print, drawn and worded once."""
    from generator.sheet.figures.rack import rack_svgs

    plan = analysis.plan
    wiring = plan.catalog.wiring
    models = plan.models
    counts = Counter(b.model.name for b in plan.batteries)
    rack_imgs = tuple(svg_url(svg) for svg in rack_svgs(plan))
    changes = None
    if analysis.shows_changes:
        changes = ChangesView(
            svg_url(rack_svgs(analysis.as_found)[0]), rack_imgs[0], analysis.changes
        )
    return SheetView(
        title=plan.job.title or Path(spec_name).stem,
        generator=f"eg4sheet {__version__}",
        footer=FOOTER,
        errors=tuple(finding_view(f) for f in plan.findings if f.is_error),
        warnings=warning_views([f for f in plan.findings if not f.is_error]),
        corrected=plan.corrected,
        count=len(plan.batteries),
        kwh=f"{plan.kwh:g}",
        master=plan.master.model.name if plan.master else "—",
        inverter=plan.inverter,
        notes=plan.job.notes,
        model_counts=tuple(ModelCount(m.name, counts[m.name], f"{m.kwh:g}") for m in models),
        legacy_models=", ".join(m.name for m in models if m.generation == "legacy"),
        restricted_label=cables.label(cables.RESTRICTED),
        restricted_short=cables.KINDS[cables.RESTRICTED].short,
        restricted_meaning=cables.KINDS[cables.RESTRICTED].wanted,
        standard_label=cables.KINDS["standard"].name,
        rack_imgs=rack_imgs,
        dip_groups=tuple(dip_group(plan, m) for m in models),
        cables=tuple(
            CableRow(c.upper, c.lower, c.label, c.kind == cables.RESTRICTED, _pins(c.pins))
            for c in plan.cables
        ),
        caution=caution(plan),
        port_note=port_note(models),
        signal_note=wiring.signal_note,
        pinout=tuple(pin_row(wiring, number) for number in sorted(wiring.colours)),
        bom=tuple(
            BomRow(
                line.quantity,
                line.item,
                line.note,
                f"{line.total_kwh:g}" if line.total_kwh is not None else "",
            )
            for line in plan.bom()
        ),
        checklist=tuple(
            ChecklistRow(
                b.position,
                b.id,
                b.model.name,
                b.serial,
                " or ".join(b.model.firmware),
                b.firmware_installed,
                b.firmware_ok is False,
            )
            for b in plan.batteries
        ),
        steps=steps(wiring),
        changes=changes,
    )


def steps(wiring: Wiring) -> tuple[str, ...]:
    update = " and ".join(str(pin) for pin in sorted(wiring.update_signals))
    return (
        "Switch off every battery breaker and BMS switch.",
        "Update every battery to the firmware in the table above, one battery at a time, with "
        f"BMS Tools and the firmware-update cable (pins {update}). The files come from the "
        "manufacturer's downloads page, under each product.",
        "Set every battery's DIP address as shown on page 2 (each model has its own table).",
        "Connect the neighbour cables as listed on page 3, the "
        f"{cables.label(cables.RESTRICTED)} cables where marked, and connect the master "
        "(ID 1, top) to the inverter through its RS485 or CAN port.",
        "Power on one battery at a time, beginning with the master (ID 1).",
        "Choose the inverter protocol on the master's screen (hold Return for 5 seconds); "
        "it is not set with DIP switches.",
    )


def port_note(models: list[BatteryModel]) -> str:
    """Where the neighbour cables plug in, for the models in this bank that our sources name."""
    by_port: dict[str, list[str]] = {}
    for model in models:
        if model.comm_ports:
            by_port.setdefault(model.comm_ports, []).append(model.name)
    unnamed = [model.name for model in models if not model.comm_ports]
    parts = [
        f'On the {_and(names)} the neighbour cables go between the two "{port}" ports: the '
        "chain runs from the right port of the last address to the left port of the master, "
        "and the master (ID 1) connects to the inverter through its RS485 or CAN port."
        for port, names in by_port.items()
    ]
    if unnamed:
        parts.append(
            f"Our sources do not name the ports of the {_and(unnamed)}: "
            "check the label on the battery."
        )
    return " ".join(parts)


def caution(plan: InstallPlan) -> str:
    restricted = [c for c in plan.cables if c.kind == cables.RESTRICTED]
    if not restricted:
        return (
            "This bank does not mix new-generation batteries with older ones: ordinary Cat5e "
            "patch cables are fine between neighbours. A cable missing pin 7 or 8 carries no "
            "communication."
        )
    pairs = ", ".join(f"{c.upper}–{c.lower}" for c in restricted)
    breakers = cables.breaker_models(plan.models)
    why = (
        f"If {cables.pin_list(cables.breaker_pins(plan.models), 'or')} carry a signal, the "
        f"{_and([m.name for m in breakers])} trips its breaker. "
        if breakers
        else ""
    )
    return (
        f"The cables between positions {pairs} must have ONLY pins 7 and 8 populated. {why}"
        "A cable missing pin 7 or 8 carries no communication."
    )


def warning_views(warnings: list[Finding]) -> tuple[FindingView, ...]:
    """Warnings for the sheet; many 'firmware not given' become one line, so a large bank's
    real warnings are not buried (the CLI and JSON still list every one)."""
    missing = [f for f in warnings if f.code == "W202"]
    if len(missing) <= 3:
        return tuple(finding_view(f) for f in warnings)
    positions = ", ".join(str(f.position) for f in missing)
    summary = FindingView(
        "warning",
        "W202",
        f"installed firmware is not given for {len(missing)} batteries "
        f"(positions {positions}): the checklist leaves it to be filled in",
        "read each battery's firmware in BMS Tools and write it in the checklist",
        f"{missing[0].location.file}",
    )
    return (summary, *(finding_view(f) for f in warnings if f.code != "W202"))


def finding_view(finding: Finding) -> FindingView:
    where = (
        f"{finding.location.file}, line {finding.location.line}, column {finding.location.column}"
    )
    return FindingView(str(finding.severity), finding.code, finding.message, finding.hint, where)


def dip_group(plan: InstallPlan, model: BatteryModel) -> DipGroup:
    from generator.sheet.figures.dip import dip_svg

    batteries = [b for b in plan.batteries if b.model.name == model.name]
    dip = model.dip
    values = ", ".join(f"{n}={w}" for n, w in enumerate(dip.weights, start=1))
    top = 1 << dip.switches
    special = f"all ON = ID {top}" if dip.id_high == top else "all OFF = ID 0"
    encoding = (
        f"Switch values {values} · a switch adds its value when {dip.one_when} · "
        f"{special} · IDs {dip.id_low}–{dip.id_high}"
    )
    cards = tuple(
        DipCard(
            b.position,
            b.id,
            b.serial,
            b.dip_words,
            dip_value(b),
            svg_url(dip_svg(b.dip, dip.on_side)) if b.dip is not None else None,
        )
        for b in batteries
    )
    return DipGroup(model.name, len(batteries), encoding, dip.inferred, dip.source, cards)


def dip_value(battery: PlannedBattery) -> str:
    """How the ID adds up, so an installer can check the drawing against the battery's label."""
    dip = battery.model.dip
    if battery.dip is None:
        return f"ID {battery.id} is beyond this model's range ({dip.id_low}–{dip.id_high})"
    counting = [
        (n, w)
        for n, (w, s) in enumerate(zip(dip.weights, battery.dip, strict=True), 1)
        if s == dip.one_when
    ]
    if not counting:
        return f"no switch {dip.one_when}: value 0 = ID {battery.id}"
    total = " + ".join(str(w) for _, w in sorted(counting, key=lambda c: -c[1]))
    switches = ", ".join(str(n) for n, _ in counting)
    label = "switches" if len(counting) > 1 else "switch"
    return f"ID {battery.id} = {total} ({label} {switches} {dip.one_when})"


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
        colour,
        swatch,
        wiring.neighbour_signals.get(number),
        wiring.update_signals.get(number),
    )


def _pins(pins: tuple[int, ...]) -> str:
    return ", ".join(str(pin) for pin in pins)


def _and(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
