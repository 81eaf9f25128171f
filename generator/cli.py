"""The `eg4sheet` command line: parse options, call the core, map outcomes to exit codes."""

from __future__ import annotations

import errno
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from generator import api
from generator.bank import report
from generator.bank.catalog import Catalog
from generator.bank.diagnostics import format_json, format_text, format_unreadable_json
from generator.bank.i18n import LANGUAGES
from generator.bank.paper import PAPERS
from generator.errors import (
    EXIT_ERRORS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    FindingsError,
    UserError,
)
from generator.fixed import reproducible_fonts
from generator.streams import reason
from generator.terminal import (
    OutputClosed,
    interrupts_kept,
    output_closed,
    quiet_libraries,
    say,
    terminate_as_interrupt,
)

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
    return api.catalog(path)


STDIN = Path("-")  # as a spec: read it from standard input


def read_spec(path: Path) -> api.SpecSource:
    """A spec file, or standard input for '-' (bounded like a file, named '<stdin>')."""
    if path == STDIN:
        return api.read_stream(sys.stdin.buffer if sys.stdin is not None else None)
    return api.read_spec(path)


def stdin_once(specs: Sequence[Path]) -> None:
    if list(specs).count(STDIN) > 1:
        raise click.UsageError("'-' (standard input) can be given only once")


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
      quote-system --export bank | eg4sheet validate -
    """
    stdin_once(specs)
    catalog = get_catalog(catalog_path)
    exit_code, every_finding = EXIT_OK, []
    unreadable: list[tuple[str, str]] = []
    for path in specs:
        try:
            checked = api.check(read_spec(path), catalog)
        except UserError as error:
            say(f"{error}", err=True)
            unreadable.append(unreadable_entry(path, error))
            exit_code = EXIT_USAGE
            continue
        every_finding.extend(checked.findings)
        if checked.has_errors and exit_code == EXIT_OK:
            exit_code = EXIT_ERRORS
        if output_format == "text":
            say(report.check_summary(checked.source.name, checked.findings, checked.batteries))
    if output_format == "json" and unreadable:
        say(format_unreadable_json(unreadable, every_finding), data=True)
    elif output_format == "json":
        say(format_json(every_finding), data=True)
    sys.exit(exit_code)


def unreadable_entry(path: Path, error: UserError) -> tuple[str, str]:
    """(file, message) of a spec that could not be read, the message without the file name."""
    name = api.STDIN if path == STDIN else str(path)
    message = str(error).removeprefix(f"{name}: ")
    return name, message[:1].upper() + message[1:]


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
@click.option(
    "--in-place",
    is_flag=True,
    help="With --fix: write the corrected spec over SPEC itself.",
)
@format_option
@catalog_option
def plan(
    spec_path: Path | None,
    inventory: str | None,
    fix: bool,
    out_file: Path | None,
    in_place: bool,
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
    if (in_place or out_file is not None) and not fix:
        raise click.UsageError("-o and --in-place go with --fix")
    if fix:
        assert spec_path is not None
        out_file = fix_target(spec_path, out_file, in_place)
        if out_file is not None:
            from generator.output.files import refuse_clashes

            inputs = [] if in_place else [(f"the spec {spec_path}", spec_path)]
            if catalog_path is not None:
                inputs.append((f"the catalog {catalog_path}", catalog_path))
            refuse_clashes(inputs, [(f"-o {out_file}", out_file)])
    catalog = get_catalog(catalog_path)
    if fix:
        assert spec_path is not None
        sys.exit(fix_command(read_spec(spec_path), out_file, catalog))
    if inventory is not None:
        install_plan, findings = api.plan_inventory(inventory, catalog)
    else:
        assert spec_path is not None
        try:
            checked = api.check(read_spec(spec_path), catalog)
        except UserError as error:
            if output_format != "json":
                raise
            say(f"{error}", err=True)
            say(format_unreadable_json([unreadable_entry(spec_path, error)], []), data=True)
            sys.exit(EXIT_USAGE)
        install_plan, findings = checked.plan, checked.findings
    if install_plan is None:
        say(format_text([f for f in findings if f.is_error]), err=True)
        sys.exit(EXIT_ERRORS)
    if output_format == "json":
        say(json.dumps(install_plan.as_json_dict(), indent=2), data=True)
    else:
        say(report.plan_text(install_plan, spec_path))


def fix_target(spec_path: Path, out_file: Path | None, in_place: bool) -> Path | None:
    """Where --fix writes: -o FILE, the spec itself with --in-place, else standard output.
    Overwriting the spec must be asked for by name: -o naming it is refused."""
    if in_place:
        if spec_path == STDIN:
            raise click.UsageError("--in-place needs a spec file, not standard input")
        if out_file is not None and not _same_file(out_file, spec_path):
            raise click.UsageError("give either -o FILE or --in-place, not both")
        return spec_path
    if out_file is not None and _same_file(out_file, spec_path):
        raise click.UsageError(f"-o {out_file} is the spec itself; add --in-place to overwrite it")
    return out_file


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.samefile(other)
    except OSError:
        return os.path.realpath(one) == os.path.realpath(other)


def fix_command(source: api.SpecSource, out_file: Path | None, catalog: Catalog) -> int:
    """Write the corrected spec; say what changed, or why it cannot be corrected."""
    from generator.output.files import write_atomic

    spec_path = source.name
    result = api.fix(source, catalog)
    if result.text is None:
        say(format_text(result.blocking), err=True)
        say(f"{spec_path}: cannot be corrected automatically; nothing written", err=True)
        return EXIT_ERRORS
    for change in result.changes or ["nothing to correct"]:
        say(f"{spec_path}: {change}", err=True)
    if out_file is None:
        say(result.text, nl=False, data=True)
    else:
        write_atomic(out_file, result.text.encode())
        say(f"{spec_path}: wrote {out_file}", err=True)
    return EXIT_OK


@cli.command()
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Directory for the PDFs; for a single spec also FILE.pdf, or - for standard output.",
)
@click.option(
    "--allow-errors",
    is_flag=True,
    help="Build even when a spec has errors; the sheet lists them on its first page.",
)
@click.option(
    "--paper",
    type=click.Choice(list(PAPERS), case_sensitive=False),
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
    "--lang",
    type=click.Choice(LANGUAGES, case_sensitive=False),
    help="The sheet's language (es: Spanish), over the spec's job.lang and the company's lang.",
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
    lang: str | None,
    jobs: int | None,
    catalog_path: Path | None,
) -> None:
    """Validate each spec, then write its install sheet as a PDF (one per spec).

    SPECS are files or directories of *.yaml specs; several build in parallel. A spec with
    errors is refused (exit 1, nothing written) unless --allow-errors is given; the others
    still build. A single spec may go to -o FILE.pdf, or to -o - (standard output: the PDF
    and nothing else; messages go to standard error). '-' reads the spec from standard
    input; it has no name to make a PDF name from, so it needs -o FILE.pdf or -o -.

    \b
    Example:
      eg4sheet build bank_specs/manufacturer-example.yaml
      eg4sheet build --paper a4 -o sheets/ bank_specs/
      eg4sheet build --allow-errors customer-bank.yaml
      eg4sheet build --company eg4sheet.yaml --bom quote-bom.csv bank.yaml
      eg4sheet build --lang es bank_specs/manufacturer-example.yaml
      quote-system --export bank | eg4sheet build - -o - > sheet.pdf
    """
    import time

    from generator.company import find_company
    from generator.doctor import SUBSET_MISSING, has_fast_subsetting
    from generator.output.batch import (
        BuildOptions,
        batch_summary,
        build_all,
        build_one,
        default_jobs,
        expand_specs,
        refuse_shared_outputs,
        write_bom,
    )
    from generator.output.files import STDOUT

    stdin_once(specs)
    paths = expand_specs(list(specs))
    out_file = out_dir if out_dir == STDOUT or out_dir.suffix.lower() == ".pdf" else None
    if out_file is not None and len(paths) != 1:
        raise click.UsageError("-o FILE.pdf and -o - take a single spec; give a directory")
    if out_file is None and STDIN in paths:
        raise click.UsageError("a spec from standard input needs -o FILE.pdf or -o -")
    if with_html and out_file == STDOUT:
        raise click.UsageError("--html cannot go to standard output; give -o FILE.pdf")
    to_stdout = out_file == STDOUT  # then standard output carries the PDF and nothing else
    if to_stdout and sys.stdout.isatty():
        raise click.UsageError("-o - writes a PDF: send standard output to a file or a pipe")
    get_catalog(catalog_path)  # a bad catalog stops here, once, not in every worker
    if not has_fast_subsetting():
        say(f"Note: {SUBSET_MISSING}", err=True)
    from generator.sheet.figures.cache import cache_problem

    if (problem := cache_problem()) is not None:
        say(f"Note: {problem}", err=True)
    options = BuildOptions(
        out_dir,
        allow_errors,
        paper.lower() if paper else None,
        with_html,
        find_company(company_file),
        catalog_path,
        out_file,
        lang.lower() if lang else None,
        bom_file,
    )
    refuse_shared_outputs(paths, options)  # before anything is built or written
    started = time.monotonic()
    show_bar = len(paths) > 1 and sys.stderr.isatty()  # a log file gets no bar
    if STDIN in paths:
        outcomes = [build_one(Path(api.STDIN), options, read_spec(STDIN))]
    else:
        with (
            click.progressbar(
                length=len(paths),
                label="building",
                file=sys.stderr,
                show_pos=True,
                hidden=not show_bar,
            ) as bar,
            terminate_as_interrupt(),
        ):
            outcomes = build_all(
                paths, options, jobs or default_jobs(), on_done=lambda _: bar.update(1)
            )
    bom_problem = None
    try:
        wrote_bom = write_bom(outcomes, options)
    except UserError as error:
        wrote_bom, bom_problem = None, error
    exit_code = EXIT_OK
    for outcome in outcomes:
        for line, to_stderr in outcome.report():
            say(line, err=to_stderr or to_stdout)
        exit_code = max(exit_code, outcome.status)
    if wrote_bom is not None:
        say(f"Wrote {wrote_bom}", err=to_stdout)
    if bom_problem is not None:
        say(f"Error: {bom_problem}", err=True)
        exit_code = max(exit_code, bom_problem.exit_code)
    if len(paths) > 1:
        say(batch_summary(outcomes, len(paths), time.monotonic() - started), err=True)
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
    """Write out the bank spec that travels with a sheet: attached to its PDF, or in the QR
    code of a photo or scan of a printed page (PNG or JPEG).

    \b
    Example:
      eg4sheet extract output/manufacturer-example.pdf -o bank.yaml
      eg4sheet extract customer-sheet.pdf > bank.yaml
      eg4sheet extract photo-of-page-2.jpg -o bank.yaml
    """
    from generator.output.files import refuse_clashes, write_atomic

    if out_file is not None:
        refuse_clashes([(f"the sheet {sheet}", sheet)], [(f"-o {out_file}", out_file)])
    spec = api.extract(api.read_sheet(sheet), str(sheet))
    if out_file is None:
        say(spec.data.decode("utf-8", errors="replace"), nl=False, data=True)
        return

    write_atomic(out_file, spec.data)
    say(f"{sheet}: wrote {out_file} ({spec.found})", err=True)


@cli.command()
def doctor() -> None:
    """Say what this machine gives eg4sheet: versions, fonts, font subsetting, drawing cache.

    \b
    Example:
      eg4sheet doctor
    """
    from generator.doctor import report

    for what, finding, fine in report():
        say(f"{'ok  ' if fine else 'WARN'}  {what:<16} {finding}")


@cli.command()
@click.option(
    "--company", "for_company", is_flag=True, help="The schema of the company settings instead."
)
@catalog_option
def schema(for_company: bool, catalog_path: Path | None) -> None:
    """Print the JSON Schema of a bank spec, for editors that check and complete YAML.

    The repository ships it as schema/bank-spec.schema.json; a spec names it in its first
    line: '# yaml-language-server: $schema=PATH-OR-URL'. Model names come from the catalog.

    \b
    Example:
      eg4sheet schema > bank-spec.schema.json
      eg4sheet schema --company > company.schema.json
    """
    from generator.schema import as_json, bank_spec_schema, company_schema

    document = company_schema() if for_company else bank_spec_schema(get_catalog(catalog_path))
    say(as_json(document), nl=False, data=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--token",
    envvar="EG4SHEET_TOKEN",
    help="Every /api/ request and /metrics must send 'Authorization: Bearer TOKEN' "
    "(or set EG4SHEET_TOKEN).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Sheets rendered at once, each in its own process (default: the number of cores).",
)
@click.option(
    "--company",
    "company_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Company settings for every sheet (default ./eg4sheet.yaml).",
)
@click.option(
    "--allow-host",
    "allowed_hosts",
    metavar="NAME",
    multiple=True,
    help="A name (or address) browsers reach this server by, besides the loopback ones; "
    "repeat for more. Requests naming any other host are refused.",
)
@click.option(
    "--drain-timeout",
    "drain_seconds",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    help="After SIGTERM: seconds the requests in flight may take before they are cut off.",
)
@click.option(
    "--request-timeout",
    "request_seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds a client has to send a request's head, and then its body; a connection "
    "later than that is closed (408 when part of the request came).",
)
@click.option(
    "--warm-up/--no-warm-up",
    default=True,
    show_default=True,
    help="Start the render workers at once, each making one small sheet, so the first sheets "
    "do not wait (/readyz says 503 until then). --no-warm-up: ready at once; the first sheet "
    "starts a worker and takes some seconds longer (a desk started on demand).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One line per request on standard error, as text or as JSON (for log collectors).",
)
def serve(
    host: str,
    port: int,
    token: str | None,
    workers: int | None,
    company_file: Path | None,
    allowed_hosts: Sequence[str],
    drain_seconds: float,
    request_seconds: float,
    warm_up: bool,
    log_format: str,
) -> None:
    """Run the support desk page and the JSON API (see README: HTTP API, Deploy).

    Listening beyond this machine (a non-loopback --host) needs a token, and the names it is
    reached by (--allow-host): the server answers only to loopback names and those. SIGTERM
    drains: no new work, the requests in flight finish, exit 0.

    \b
    Example:
      eg4sheet serve                      # then open http://127.0.0.1:8000/
      EG4SHEET_TOKEN=s3cret eg4sheet serve --host 0.0.0.0 --port 8080 \\
          --allow-host desk.example.com --allow-host 192.168.1.5
    """
    from generator.company import find_company
    from generator.output.batch import default_jobs
    from generator.server.config import ServerSettings, host_name, is_loopback

    if not token and not is_loopback(host):
        raise UserError(  # one line, like the other reasons it cannot listen
            f"--host {host} is reachable from other machines: give --token or set EG4SHEET_TOKEN"
        )
    settings = ServerSettings(
        token=token or None,
        workers=workers or default_jobs(),
        company=find_company(company_file),
        warm=warm_up,
        allowed_hosts=frozenset(host_name(name) for name in allowed_hosts),
        drain_seconds=drain_seconds,
        request_seconds=request_seconds,
    )
    from generator.server.app import serve as run

    run(settings, host, port, log_format)


@cli.command()
@catalog_option
def models(catalog_path: Path | None) -> None:
    """Print the model catalog: names, aliases, DIP encoding, firmware.

    \b
    Example:
      eg4sheet models
      eg4sheet models --catalog our-catalog.yaml
    """
    say(report.models_table(get_catalog(catalog_path)))


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; user errors become a message and exit code, never a traceback."""
    quiet_libraries()
    reproducible_fonts()
    try:
        with interrupts_kept():
            cli.main(
                args=list(argv) if argv is not None else None,
                prog_name="eg4sheet",
                standalone_mode=False,
            )
        if sys.stdout is not None:
            sys.stdout.flush()  # a full disk shows here, not at exit as a Python message
    except click.exceptions.Abort:
        say("Interrupted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        shown = io.StringIO()
        error.show(file=shown)
        say(shown.getvalue(), err=True, nl=False)
        sys.exit(error.exit_code)
    except FindingsError as error:
        if error.findings:
            say(format_text(error.findings), err=True)
        say(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
    except UserError as error:
        say(f"Error: {error}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        say("Interrupted", err=True)
        sys.exit(130)
    except (OutputClosed, BrokenPipeError) as error:
        output_closed(getattr(error, "reason", None))
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
            internal_error(error)
        output_closed(reason(error))  # flushing standard output failed
    except Exception as error:  # a bug, not bad input: say so briefly
        internal_error(error)
    sys.exit(EXIT_OK)


def internal_error(error: Exception) -> None:
    if os.environ.get("EG4SHEET_DEBUG"):
        raise error
    say(
        f"internal error: {type(error).__name__}: {error} "
        "(set EG4SHEET_DEBUG=1 for details and please report it)",
        err=True,
    )
    sys.exit(EXIT_INTERNAL)
