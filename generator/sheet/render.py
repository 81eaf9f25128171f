"""Install plan -> HTML: the finished view the templates print, and the Jinja environment."""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from generator import __version__
from generator.bank.diagnostics import Finding
from generator.bank.plan import InstallPlan, PlannedBattery
from generator.bank.rules import PIN_COLOURS
from generator.company import Company
from generator.sheet import assets

PAGE_SIZES = {"letter": "letter", "a4": "A4"}
LINK_SIGNALS = {7: "RS485-B", 8: "RS485-A"}  # as the interop guide labels them
UPDATE_SIGNALS = {1: "RS485-B", 2: "RS485-A"}
SWATCH = {"orange": "#f28c28", "green": "#2e9e44", "blue": "#2a62c9", "brown": "#7b4a21"}

STEPS = (
    "Switch off every battery breaker and BMS switch.",
    "Update every battery to the firmware in the table above, one battery at a time, with BMS "
    "Tools and the firmware-update cable (pins 1 and 2). The files come from the manufacturer's "
    "downloads page, under each product.",
    "Set every battery's DIP address as shown on page 2 (each model has its own table).",
    "Connect the neighbour cables as listed on page 3, the PINS 7+8 ONLY cables where marked, and "
    "connect the master (ID 1, top) to the inverter through its RS485 or CAN port.",
    "Power on one battery at a time, beginning with the master (ID 1).",
    "Choose the inverter protocol on the master's screen (hold Return for 5 seconds); "
    "it is not set with DIP switches.",
)
PORT_NOTE = (
    'On LL-V1 and LL-V2 the neighbour cables go between the two "Battery-Comm" ports: '
    "the chain runs from the right port of the last address to the left port of the master, "
    "and the master (ID 1) connects to the inverter through its RS485 or CAN port. "
    "Our sources do not name the ports of the LL-S and the LifePower4: "
    "check the label on the battery."
)
LABEL_NOTE = (
    "Signal names as the interop guide prints them. The LL-V2 manual labels pins 2 and 7 RS485-A "
    "and pins 1 and 8 RS485-B, which disagrees on 7 and 8. Cables are straight through (pin 7 to "
    "pin 7), so go by pin numbers and colours."
)
FOOTER = f"eg4sheet {__version__} · the bank spec that made this sheet is attached to the PDF"


@dataclass(frozen=True)
class FontUrls:
    regular: str
    bold: str


def file_font_urls() -> FontUrls:
    return FontUrls(*(path.as_uri() for path in _fonts()))


def inline_font_urls() -> FontUrls:
    """Fonts as data: URLs, for an HTML file that stands alone."""
    return FontUrls(*(data_url("font/ttf", path.read_bytes()) for path in _fonts()))


def _fonts() -> tuple[Path, Path]:
    return (
        assets.FONTS / "AtkinsonHyperlegible-Regular.ttf",
        assets.FONTS / "AtkinsonHyperlegible-Bold.ttf",
    )


def data_url(mime: str, content: bytes | str) -> str:
    raw = content.encode() if isinstance(content, str) else content
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


@cache
def environment() -> jinja2.Environment:
    """Autoescaped, strict: a missing value fails loudly instead of printing nothing."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(assets.templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(
    plan: InstallPlan,
    spec_name: str,
    fonts: FontUrls | None = None,
    as_found: InstallPlan | None = None,
    company: Company | None = None,
) -> str:
    """The whole sheet as one HTML document (CSS inline, figures as data: URLs).

    With `as_found` (a bank that is wrong), an As found / Corrected page follows the overview.
    """
    from generator.sheet.figures.dip import dip_svg
    from generator.sheet.figures.rack import rack_svgs

    paper = PAGE_SIZES.get(plan.paper, "letter")
    sheet = sheet_view(plan, spec_name)
    sheet["rack_imgs"] = [data_url("image/svg+xml", svg) for svg in rack_svgs(plan)]
    for group in sheet["dip_groups"]:
        for card in group["cards"]:
            if card["states"] is not None:
                card["img"] = data_url("image/svg+xml", dip_svg(card["states"], group["on_side"]))
    sheet["as_found"] = None
    if as_found is not None:
        from generator.bank.corrections import corrections

        steps = corrections(as_found, plan)
        if steps:
            sheet["as_found"] = {
                "img": data_url("image/svg+xml", rack_svgs(as_found)[0]),
                "corrected_img": sheet["rack_imgs"][0],
                "steps": steps,
            }
    template = environment().get_template("sheet.html")
    return template.render(
        company=company or Company(),
        sheet=sheet,
        job=plan.job,
        page_size=paper,
        fonts=fonts or file_font_urls(),
        footer=FOOTER,
    )


def sheet_view(plan: InstallPlan, spec_name: str) -> dict[str, Any]:
    """Everything the templates print, as plain values: templates only loop and test."""
    errors = [finding_view(f) for f in plan.findings if f.is_error]
    warnings = warning_views([f for f in plan.findings if not f.is_error])
    counts = Counter(b.model.name for b in plan.batteries)
    models = sorted({b.model.name: b.model for b in plan.batteries}.values(), key=lambda m: m.rank)
    restricted = [c for c in plan.cables if c.kind == "pins-7-8-only"]
    return {
        "title": plan.job.title or Path(spec_name).stem,
        "generator": f"eg4sheet {__version__}",
        "errors": errors,
        "warnings": warnings,
        "corrected": plan.corrected,
        "count": len(plan.batteries),
        "kwh": f"{plan.kwh:g}",
        "master": plan.master.model.name if plan.master else "—",
        "inverter": plan.inverter,
        "notes": plan.job.notes,
        "model_counts": [
            {"model": m.name, "count": counts[m.name], "kwh": f"{m.kwh:g}"} for m in models
        ],
        "dip_groups": [dip_group(plan, m.name) for m in models],
        "cables": [
            {
                "upper": c.upper,
                "lower": c.lower,
                "label": "PINS 7+8 ONLY" if c.kind == "pins-7-8-only" else "standard Cat5e patch",
                "css": "kind-restricted" if c.kind == "pins-7-8-only" else "kind-standard",
                "pins": ", ".join(str(p) for p in c.pins),
            }
            for c in plan.cables
        ],
        "caution": caution(restricted),
        "port_note": PORT_NOTE,
        "label_note": LABEL_NOTE,
        "pinout": [pin_view(number) for number in range(1, 9)],
        "bom": [
            {
                "quantity": line.quantity,
                "item": line.item,
                "note": line.note,
                "kwh": f"{line.total_kwh:g}" if line.total_kwh is not None else "",
            }
            for line in plan.bom()
        ],
        "checklist": [
            {
                "position": b.position,
                "id": b.id,
                "model": b.model.name,
                "serial": b.serial,
                "required": " or ".join(b.model.firmware),
                "installed": b.firmware_installed,
                "wrong": b.firmware_ok is False,
            }
            for b in plan.batteries
        ],
        "steps": STEPS,
    }


def warning_views(warnings: list[Finding]) -> list[dict[str, Any]]:
    """Warnings for the sheet; many 'firmware not given' become one line, so a large bank's
    real warnings are not buried (the CLI and JSON still list every one)."""
    missing = [f for f in warnings if f.code == "W202"]
    if len(missing) <= 3:
        return [finding_view(f) for f in warnings]
    positions = ", ".join(str(f.position) for f in missing)
    summary = {
        "severity": "warning",
        "code": "W202",
        "message": f"installed firmware is not given for {len(missing)} batteries "
        f"(positions {positions}): the checklist leaves it to be filled in",
        "hint": "read each battery's firmware in BMS Tools and write it in the checklist",
        "where": f"{missing[0].location.file}",
    }
    return [summary] + [finding_view(f) for f in warnings if f.code != "W202"]


def finding_view(finding: Finding) -> dict[str, Any]:
    where = (
        f"{finding.location.file}, line {finding.location.line}, column {finding.location.column}"
    )
    return {
        "severity": str(finding.severity),
        "code": finding.code,
        "message": finding.message,
        "hint": finding.hint,
        "where": where,
    }


def dip_group(plan: InstallPlan, model_name: str) -> dict[str, Any]:
    batteries = [b for b in plan.batteries if b.model.name == model_name]
    model = batteries[0].model
    dip = model.dip
    values = ", ".join(f"{n}={w}" for n, w in enumerate(dip.weights, start=1))
    top = 1 << dip.switches
    special = f"all ON = ID {top}" if dip.id_high == top else "all OFF = ID 0"
    encoding = (
        f"Switch values {values} · a switch adds its value when {dip.one_when} · "
        f"{special} · IDs {dip.id_low}–{dip.id_high}"
    )
    return {
        "model": model_name,
        "count": len(batteries),
        "encoding": encoding,
        "inferred": dip.inferred,
        "source": dip.source,
        "on_side": dip.on_side,
        "cards": [dip_card(b) for b in batteries],
    }


def dip_card(battery: PlannedBattery) -> dict[str, Any]:
    return {
        "position": battery.position,
        "id": battery.id,
        "serial": battery.serial,
        "states": battery.dip,
        "img": None,
        "words": battery.dip_words,
        "value": dip_value(battery),
    }


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


def pin_view(number: int) -> dict[str, Any]:
    colour = PIN_COLOURS[number]
    base = colour.removeprefix("white/")
    fill = SWATCH[base]
    swatch = (
        f"background: repeating-linear-gradient(90deg, #fff, #fff 3pt, {fill} 3pt, {fill} 6pt)"
        if colour.startswith("white/")
        else f"background: {fill}"
    )
    return {
        "number": number,
        "colour": colour,
        "swatch": swatch,
        "link_signal": LINK_SIGNALS.get(number),
        "update_signal": UPDATE_SIGNALS.get(number),
    }


def caution(restricted: list[Any]) -> str:
    if not restricted:
        return (
            "This bank does not mix the new generation (LL-S, LL-V2) with LL-V1 or LifePower4: "
            "ordinary Cat5e patch cables are fine between neighbours. A cable missing pin 7 or 8 "
            "carries no communication."
        )
    pairs = ", ".join(f"{c.upper}–{c.lower}" for c in restricted)
    return (
        f"The cables between positions {pairs} must have ONLY pins 7 and 8 populated. If pins 3 "
        "or 6 carry a signal, the LL-S trips its breaker. A cable missing pin 7 or 8 carries no "
        "communication."
    )
