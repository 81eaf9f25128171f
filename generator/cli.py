"""The `eg4sheet` command line: parse options, call the core, map outcomes to exit codes."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from generator.bank.catalog import Catalog, default_catalog, load_catalog
from generator.bank.diagnostics import Finding, format_json, format_text, has_errors, sort_findings
from generator.bank.plan import InstallPlan, plan_inventory, plan_spec
from generator.bank.rules import check
from generator.bank.spec import load_spec
from generator.errors import CatalogError, UserError

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
F = TypeVar("F", bound=Callable[..., Any])


def catalog_option(command: F) -> F:
    return click.option(
        "--catalog",
        "catalog_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Use this model catalog instead of the built-in one (checked like a spec).",
    )(command)


def format_option(command: F) -> F:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Output format.",
    )(command)


def get_catalog(path: Path | None) -> Catalog:
    return load_catalog(path) if path else default_catalog()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eg4sheet")
def cli() -> None:
    """Check mixed EG4 server-rack battery banks and print their install sheets.

    \b
    Example:
      eg4sheet validate bank_specs/manufacturer-example.yaml
      eg4sheet plan bank_specs/manufacturer-example.yaml
      eg4sheet build bank_specs/manufacturer-example.yaml
    """


@cli.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option
@catalog_option
def validate(specs: Sequence[Path], output_format: str, catalog_path: Path | None) -> None:
    """Check bank specs and print every finding with file:line:column and a fix.

    Exit 0 when no spec has errors (warnings allowed), 1 when one has, 2 when a file
    cannot be read.

    \b
    Example:
      eg4sheet validate bank_specs/*.yaml
      eg4sheet validate --format json bank_specs/smith.yaml
    """
    catalog = get_catalog(catalog_path)
    exit_code, every_finding = EXIT_OK, []
    for path in specs:
        try:
            spec, findings = load_spec(path)
        except UserError as error:
            click.echo(f"{error}", err=True)
            exit_code = EXIT_USAGE
            continue
        if spec is not None:
            findings = sort_findings(findings + check(spec, catalog)[1])
        every_finding.extend(findings)
        if has_errors(findings) and exit_code == EXIT_OK:
            exit_code = EXIT_ERRORS
        if output_format == "text":
            click.echo(_summary(path, findings, (spec is not None and spec.slots) or 0))
    if output_format == "json":
        click.echo(format_json(every_finding))
    sys.exit(exit_code)


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


def _summary(path: Path, findings: list[Finding], batteries: int) -> str:
    errors = sum(finding.is_error for finding in findings)
    warnings = len(findings) - errors
    verdict = "has errors" if errors else "OK"
    lines = [format_text(findings)] if findings else []
    lines.append(
        f"{path}: {verdict} — {plural(batteries, 'battery', 'batteries')}, "
        f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
    )
    return "\n".join(lines)


@cli.command()
@click.argument("spec_path", metavar="SPEC", required=False, type=click.Path(path_type=Path))
@click.option(
    "--inventory",
    metavar="LIST",
    help='Plan a valid bank from what is on hand, e.g. "LL-S, 2x LL-V2 (4 DIP), LifePower4".',
)
@click.option(
    "--fix",
    "fix",
    is_flag=True,
    help="Write the corrected spec (order, IDs, cables), keeping comments and job fields.",
)
@click.option(
    "-o",
    "--output",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --fix: write the corrected spec here instead of to standard output.",
)
@format_option
@catalog_option
def plan(
    spec_path: Path | None,
    inventory: str | None,
    fix: bool,
    out_file: Path | None,
    output_format: str,
    catalog_path: Path | None,
) -> None:
    """Print the install plan: rack order, IDs, DIP switches, cables, firmware, materials.

    A spec with errors prints its findings and exits 1; --fix writes the corrected spec
    instead, when its order, IDs or cables are what is wrong.

    \b
    Example:
      eg4sheet plan bank_specs/manufacturer-example.yaml
      eg4sheet plan --format json bank_specs/manufacturer-example.yaml
      eg4sheet plan --inventory "LL-S, 2x LL-V2 (4 DIP), LL-V1, LifePower4"
      eg4sheet plan --fix customer-bank.yaml -o customer-bank-fixed.yaml
    """
    if (spec_path is None) == (inventory is None):
        raise click.UsageError("give either a SPEC or --inventory LIST")
    if fix and spec_path is None:
        raise click.UsageError("--fix needs a SPEC")
    catalog = get_catalog(catalog_path)
    if fix:
        assert spec_path is not None
        sys.exit(fix_command(spec_path, out_file, catalog))
    if inventory is not None:
        install_plan, findings = plan_inventory(inventory, catalog)
    else:
        assert spec_path is not None
        spec, findings = load_spec(spec_path)
        install_plan = None
        if spec is not None and not has_errors(findings):
            install_plan = plan_spec(spec, catalog)
            findings = list(install_plan.findings)
    if install_plan is None or has_errors(findings):
        click.echo(format_text([f for f in findings if f.is_error]), err=True)
        sys.exit(EXIT_ERRORS)
    if output_format == "json":
        click.echo(json.dumps(install_plan.as_json_dict(), indent=2))
    else:
        click.echo(plan_as_text(install_plan))


def fix_command(spec_path: Path, out_file: Path | None, catalog: Catalog) -> int:
    """Write the corrected spec; say what changed, or why it cannot be corrected."""
    from generator.bank.fix import fix_spec
    from generator.output.files import write_atomic

    spec, findings = load_spec(spec_path)
    if spec is None:
        click.echo(format_text(findings), err=True)
        return EXIT_ERRORS
    result = fix_spec(spec, findings, catalog)
    if result.text is None:
        click.echo(format_text(result.blocking), err=True)
        click.echo(f"{spec_path}: cannot be corrected automatically; nothing written", err=True)
        return EXIT_ERRORS
    for change in result.changes or ["nothing to correct"]:
        click.echo(f"{spec_path}: {change}", err=True)
    if out_file is None:
        click.echo(result.text, nl=False)
    else:
        write_atomic(out_file, result.text.encode())
        click.echo(f"{spec_path}: wrote {out_file}", err=True)
    return EXIT_OK


def plan_as_text(install_plan: InstallPlan) -> str:
    """The plan as a terminal table, for support reading it over the phone."""
    job = install_plan.job
    master = install_plan.master
    lines = [
        f"{job.title or 'Battery bank'}: "
        f"{plural(len(install_plan.batteries), 'battery', 'batteries')}, "
        f"{install_plan.kwh:g} kWh, master {master.model.name if master else '-'}",
        "",
        f"{'pos':>3}  {'ID':>2}  {'model':<14} {'serial':<16} {'DIP switches (switch 1 first)':<42}"
        " firmware",
    ]
    for b in install_plan.batteries:
        required = " or ".join(b.model.firmware)
        installed = f" (installed {b.firmware_installed})" if b.firmware_installed else ""
        lines.append(
            f"{b.position:>3}  {b.id:>2}  {b.model.name:<14} {b.serial or '-':<16} "
            f"{b.dip_words:<42} {required}{installed}"
        )
    lines += ["", "cables between neighbours:"]
    if not install_plan.cables:
        lines.append("  none (a single battery)")
    for cable in install_plan.cables:
        kind = (
            "PINS 7 AND 8 ONLY"
            if cable.kind == "pins-7-8-only"
            else "standard Cat5e patch (all 8 pins)"
        )
        lines.append(f"  {cable.upper:>2}-{cable.lower:<2}  {kind}")
    lines += ["", "bill of materials:"]
    lines += [f"  {line.quantity:>3} x {line.item} ({line.note})" for line in install_plan.bom()]
    warnings = [f for f in install_plan.findings if not f.is_error]
    if warnings:
        lines += ["", f"{plural(len(warnings), 'warning')} (eg4sheet validate shows them all)"]
    return "\n".join(lines)


@cli.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Directory for the PDFs.",
)
@click.option(
    "--allow-errors",
    is_flag=True,
    help="Build even when a spec has errors; the sheet lists them on its first page.",
)
@click.option(
    "--paper",
    type=click.Choice(["letter", "a4"], case_sensitive=False),
    help="Paper size, overriding the spec's 'paper:'.",
)
@click.option(
    "--html", "with_html", is_flag=True, help="Also write the self-contained HTML beside each PDF."
)
@click.option(
    "--bom",
    "bom_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the bill of materials of every sheet built to this CSV file.",
)
@click.option(
    "--company",
    "company_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Company settings: name, address, phone, licence, logo (default ./eg4sheet.yaml).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Sheets built at once (default: the number of cores).",
)
@catalog_option
def build(
    specs: Sequence[Path],
    out_dir: Path,
    allow_errors: bool,
    paper: str | None,
    with_html: bool,
    bom_file: Path | None,
    company_file: Path | None,
    jobs: int | None,
    catalog_path: Path | None,
) -> None:
    """Validate each spec, then write its install sheet as a PDF (one per spec).

    SPECS are files or directories of *.yaml specs; several build in parallel. A spec with
    errors is refused (exit 1, nothing written) unless --allow-errors is given; the others
    still build.

    \b
    Example:
      eg4sheet build bank_specs/manufacturer-example.yaml
      eg4sheet build --paper a4 -o sheets/ bank_specs/
      eg4sheet build --allow-errors customer-bank.yaml
      eg4sheet build --company eg4sheet.yaml --bom quote-bom.csv bank.yaml
    """
    import time

    from generator.company import find_company
    from generator.doctor import SUBSET_MISSING, has_fast_subsetting
    from generator.output.batch import BuildOptions, build_all, default_jobs, expand_specs
    from generator.output.bom import bom_csv
    from generator.output.files import write_atomic

    get_catalog(catalog_path)  # a bad catalog stops here, once, not in every worker
    if not has_fast_subsetting():
        click.echo(f"note: {SUBSET_MISSING}", err=True)
    paths = expand_specs(list(specs))
    options = BuildOptions(
        out_dir,
        allow_errors,
        paper.lower() if paper else None,
        with_html,
        find_company(company_file),
        catalog_path,
    )
    started = time.monotonic()
    show_bar = len(paths) > 1 and sys.stderr.isatty()  # a log file gets no bar
    with click.progressbar(
        length=len(paths), label="building", file=sys.stderr, show_pos=True, hidden=not show_bar
    ) as bar:
        outcomes = build_all(
            paths, options, jobs or default_jobs(), on_done=lambda _: bar.update(1)
        )
    exit_code, rows = EXIT_OK, []
    for outcome in outcomes:
        errors = [f for f in outcome.findings if f.is_error]
        if errors:
            click.echo(format_text(errors), err=True)
            exit_code = max(exit_code, EXIT_ERRORS)
        if outcome.failure:
            click.echo(f"{outcome.spec}: not built: {outcome.failure}", err=True)
            exit_code = max(exit_code, outcome.exit_code)
        elif outcome.built:
            rows += outcome.bom
            note = f" with {plural(len(errors), 'error')}" if errors else ""
            click.echo(f"{outcome.spec}: wrote {', '.join(map(str, outcome.written))}{note}")
        else:
            click.echo(
                f"{outcome.spec}: not built: {plural(len(errors), 'error')} "
                "(fix them, or use --allow-errors for a sheet that lists them)",
                err=True,
            )
    if bom_file is not None and rows:
        write_atomic(bom_file, bom_csv(rows).encode())
        click.echo(f"wrote {bom_file}")
    built = sum(outcome.built for outcome in outcomes)
    if len(paths) > 1:
        click.echo(
            f"built {built} of {plural(len(paths), 'sheet')} in "
            f"{time.monotonic() - started:.1f} s; {len(paths) - built} not built",
            err=True,
        )
    sys.exit(exit_code)


@cli.command()
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the spec here instead of to standard output.",
)
def extract(sheet: Path, out_file: Path | None) -> None:
    """Write out the bank spec that travels inside a sheet's PDF.

    \b
    Example:
      eg4sheet extract output/manufacturer-example.pdf -o bank.yaml
      eg4sheet extract customer-sheet.pdf > bank.yaml
    """
    from generator.sheet.extract import extract_spec

    name, content = extract_spec(sheet)
    if out_file is None:
        click.echo(content.decode("utf-8", errors="replace"), nl=False)
        return
    from generator.output.files import write_atomic

    write_atomic(out_file, content)
    click.echo(f"{sheet}: wrote {out_file} (attached as {name})", err=True)


@cli.command()
def doctor() -> None:
    """Say what this machine gives eg4sheet: versions, fonts, font subsetting, drawing cache.

    \b
    Example:
      eg4sheet doctor
    """
    from generator.doctor import report

    for what, finding, fine in report():
        click.echo(f"{'ok  ' if fine else 'WARN'}  {what:<16} {finding}")


@cli.command()
@catalog_option
def models(catalog_path: Path | None) -> None:
    """Print the model catalog: names, aliases, DIP encoding, firmware.

    \b
    Example:
      eg4sheet models
      eg4sheet models --catalog our-catalog.yaml
    """
    catalog = get_catalog(catalog_path)
    header = f"{'rank':>4}  {'model':<14} {'gen':<8} {'firmware':<16} {'IDs':<6} DIP encoding"
    lines = [header]
    for m in sorted(catalog.models, key=lambda model: model.rank):
        ids = f"{m.dip.id_low}-{m.dip.id_high}"
        inferred = " (inferred)" if m.dip.inferred else ""
        lines.append(
            f"{m.rank:>4}  {m.name:<14} {m.generation:<8} {' or '.join(m.firmware):<16} "
            f"{ids:<6} {m.dip.describe()}{inferred}"
        )
        lines.append(f"{'':>6}aliases: {', '.join(m.aliases) or '-'}")
    lines.append(f"catalog: {catalog.source}")
    click.echo("\n".join(lines))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; user errors become a message and exit code, never a traceback."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="eg4sheet",
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except CatalogError as error:
        click.echo(format_text(error.findings), err=True)
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except UserError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as error:  # a bug, not bad input: say so briefly
        if os.environ.get("EG4SHEET_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(error).__name__}: {error} "
            "(set EG4SHEET_DEBUG=1 for details and please report it)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_OK)
