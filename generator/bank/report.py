"""Text for the terminal: check summaries, the plan as a table, the catalog, batch lines.

Beside the diagnostics formatter (`diagnostics.format_text`/`format_json`); the command line
only chooses which of these to print.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.bank.catalog import Catalog
from generator.bank.diagnostics import Finding, format_text
from generator.bank.gathered import firmware_not_given_once
from generator.bank.plan import InstallPlan


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


def check_summary(name: str, findings: list[Finding], batteries: int) -> str:
    """Every finding, then one verdict line: 'bank.yaml: OK — 6 batteries, 0 errors, …'."""
    listed = [finding for finding in findings if not finding.more]
    errors = sum(finding.is_error for finding in listed)
    warnings = len(listed) - errors
    verdict = "has errors" if any(finding.is_error for finding in findings) else "OK"
    more = sum(finding.more for finding in findings)
    lines = [format_text(findings)] if findings else []
    lines.append(
        f"{name}: {verdict} — {plural(batteries, 'battery', 'batteries')}, "
        f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
        + (f" listed, and {more} more findings" if more else "")
    )
    return "\n".join(lines)


def plan_text(plan: InstallPlan, spec: object = None) -> str:
    """The plan as a terminal table, for support reading it over the phone. Its warnings are
    counted, for `eg4sheet validate SPEC` to show; a plan of an inventory (no `spec` file to
    validate) says them itself."""
    job = plan.job
    master = plan.master
    rows = [
        (
            str(b.position),
            str(b.id),
            b.model.name,
            b.serial or "-",
            b.dip_words,
            " or ".join(b.model.firmware)
            + (f" (installed {b.firmware_installed})" if b.firmware_installed else ""),
        )
        for b in plan.batteries
    ]
    header = ("pos", "ID", "model", "serial", "DIP switches (switch 1 first)", "firmware")
    lines = [
        f"{job.title or 'Battery bank'}: "
        f"{plural(len(plan.batteries), 'battery', 'batteries')}, "
        f"{plan.kwh:g} kWh, master {master.model.name if master else '-'}",
        "",
        *_table([header, *rows], right=(0, 1)),
        "",
        "Cables between neighbours:",
    ]
    if not plan.cables:
        lines.append("  none (a single battery)")
    for cable in plan.cables:
        pins = " (all 8 pins)" if cable.kind == "standard" else ""
        lines.append(f"  {cable.upper:>2}-{cable.lower:<2}  {cable.label}{pins}")
    lines += ["", "Bill of materials:"]
    lines += [f"  {line.quantity:>3} x {line.item} ({line.note})" for line in plan.bom()]
    warnings = [f for f in plan.findings if not f.is_error]
    if warnings and spec is not None:
        lines += ["", f"{plural(len(warnings), 'warning')}: eg4sheet validate {spec} shows them"]
    elif warnings:
        hint = "read each battery's firmware in BMS Tools and write it in the checklist"
        lines += ["", f"{plural(len(warnings), 'warning')}:"]
        for warning in firmware_not_given_once(warnings, hint):
            lines.append(f"  {warning.code} {warning.message[:1].upper()}{warning.message[1:]}")
            if warning.hint:
                lines.append(f"    Fix: {warning.hint}")
    return "\n".join(lines)


def models_table(catalog: Catalog) -> str:
    """The catalog, newest first: rank, name, generation, firmware, IDs, DIP encoding; then
    the batteries the guide does not cover, each with the reason it is refused."""
    rows: list[tuple[str, ...]] = [("rank", "model", "gen", "firmware", "IDs", "DIP encoding")]
    lines: list[str] = []
    models = sorted(catalog.models, key=lambda model: model.rank)
    for m in models:
        inferred = " (inferred)" if m.dip.inferred else ""
        rows.append(
            (
                str(m.rank),
                m.name,
                m.generation,
                " or ".join(m.firmware),
                f"{m.dip.id_low}-{m.dip.id_high}",
                m.dip.describe() + inferred,
            )
        )
    table = _table(rows, right=(0,))
    lines.append(table[0])
    for m, row in zip(models, table[1:], strict=True):
        lines += [row, f"{'':>6}aliases: {', '.join(m.aliases) or '-'}"]
    if catalog.not_covered:
        lines += ["", "Not covered by the interop guide, refused by name (E111):"]
    for battery in catalog.not_covered:
        lines += [
            f"  {battery.name}: {battery.reason}",
            f"{'':>6}aliases: {', '.join(battery.aliases) or '-'}",
            f"{'':>6}source: {battery.source}",
        ]
    lines.append(f"Catalog: {catalog.source}")
    return "\n".join(lines)


def _table(rows: Sequence[tuple[str, ...]], right: tuple[int, ...] = ()) -> list[str]:
    """Rows padded to the widest cell of each column, so nothing runs into its neighbour."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if column in right else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines
