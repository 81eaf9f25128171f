"""Many sheets at once: a process pool, each spec isolated, a summary at the end.

The main process imports the heavy libraries once, before its pool starts: the workers fork
with them and build many sheets each. A spec that fails is
reported and the others still build. A worker that dies breaks the pool; its unfinished
specs are tried once more in a fresh pool, so one bad spec cannot take the batch down.
Writes are atomic, and temp files left by a killed worker are removed at the end (only
those of dead processes: another build may be writing into the same folder).

Before anything is built, the same spec named twice is built once, and two specs whose
sheets would land on one path (a/bank.yaml and b/bank.yaml, bank.yaml and bank.yml) are
refused, as is any output (sheet, HTML, bill of materials) that is one of the run's inputs,
another output, or not a regular file or a new name. Workers watch the main process: when it
is gone (killed, even with SIGKILL) they remove their temp file and exit within a second; an
interrupted main process stops them.

A sheet is all of its outputs or none: its PDF and HTML are written together, and when the
bill of materials cannot be written, the sheets of the run are removed again and reported
not built. Workers keep their temporary files (the renderer's fonts) in a private folder of
the batch, removed when the batch ends, so a killed worker leaves nothing in TMPDIR.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Generator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from generator import api
from generator.bank.diagnostics import Finding, format_text
from generator.bank.report import plural
from generator.company import Company
from generator.errors import EXIT_ERRORS, EXIT_INTERNAL, EXIT_OK, UserError
from generator.output.bom import bom_csv, bom_rows
from generator.output.files import (
    STDOUT,
    Named,
    abandon_writes,
    is_environment,
    part_owner,
    process_alive,
    refuse_clashes,
    write_atomic,
    write_stdout,
    write_together,
)
from generator.streams import reason

PARENT_CHECK_SECONDS = 0.5


@dataclass(frozen=True)
class BuildOptions:
    out_dir: Path
    allow_errors: bool = False
    paper: str | None = None
    with_html: bool = False
    company: Company | None = None
    catalog_path: Path | None = None
    out_file: Path | None = None  # one sheet: this file, or STDOUT, instead of out_dir/NAME.pdf
    lang: str | None = None  # build --lang; None: the spec's job.lang, else the company's
    bom_file: Path | None = None  # the bill of materials of every sheet built, as CSV


@dataclass
class SheetOutcome:
    """What happened to one spec; plain data, so it crosses process boundaries."""

    spec: Path
    findings: list[Finding] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    bom: list[list[str]] = field(default_factory=list)
    failure: str | None = None  # unreadable file, unwritable output, a crash
    exit_code: int = EXIT_ERRORS  # for a failure: 2 unreadable/unwritable, 3 a bug

    @property
    def built(self) -> bool:
        return bool(self.written)

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.is_error]

    @property
    def status(self) -> int:
        """This spec's exit status: 0 built clean, 1 errors, 2 unreadable, 3 a bug."""
        if self.failure:
            return self.exit_code
        return EXIT_ERRORS if self.errors else EXIT_OK

    def report(self) -> list[tuple[str, bool]]:
        """(line, to standard error) for the terminal: errors, then what became of the spec."""
        errors = self.errors
        lines = [(format_text(errors), True)] if errors else []
        # A capped list ends in a finding that counts the rest: say how many there are.
        counted = plural(len(errors), "error") if errors else ""
        if any(finding.more for finding in errors):
            listed = sum(not finding.more for finding in errors)
            more = sum(finding.more for finding in errors)
            counted = f"{plural(listed, 'error')} listed and {more} more findings"
        if self.failure:
            lines.append((f"{self.spec}: not built: {self.failure}", True))
        elif self.built:
            note = f" with {counted}" if errors else ""
            lines.append((f"{self.spec}: wrote {', '.join(map(str, self.written))}{note}", False))
        else:
            lines.append(
                (
                    f"{self.spec}: not built: {counted} "
                    "(fix them, or use --allow-errors for a sheet that lists them)",
                    True,
                )
            )
        return lines


def batch_summary(outcomes: list[SheetOutcome], specs: int, seconds: float) -> str:
    built = sum(outcome.built for outcome in outcomes)
    return (
        f"built {built} of {plural(specs, 'sheet')} in {seconds:.1f} s; {specs - built} not built"
    )


def build_one(
    spec: Path, options: BuildOptions, source: api.SpecSource | None = None
) -> SheetOutcome:
    """Build one sheet, turning anything that goes wrong into an outcome, never an exception.

    A user's mistake is reported as such; anything else is a bug in eg4sheet: exit 3.
    `source` is the spec already read (from standard input); otherwise `spec` is read.
    """
    try:
        sheet = api.build_sheet(
            source or api.read_spec(spec),
            api.SheetOptions(
                allow_errors=options.allow_errors,
                paper=options.paper,
                company=options.company,
                with_html=options.with_html,
                lang=options.lang,
            ),
            api.catalog(options.catalog_path),
        )
        findings = sheet.checked.findings
        if sheet.pdf is None:
            return SheetOutcome(spec, findings)
        target = sheet_path(spec, options)
        if target == STDOUT:
            written = [write_stdout(sheet.pdf)]
        else:
            outputs = [(target, sheet.pdf)]
            if sheet.html is not None:
                outputs.append((target.with_suffix(".html"), sheet.html.encode()))
            written = write_together(outputs)
    except UserError as error:
        return SheetOutcome(spec, failure=str(error), exit_code=error.exit_code)
    except OSError as error:
        if not is_environment(error):
            raise
        # the renderer's own temporary files (fonts) hit a full disk or a size limit
        where = error.filename or tempfile.gettempdir()
        return SheetOutcome(
            spec,
            failure=f"temporary files in {where} cannot be written: {reason(error)}",
            exit_code=2,
        )
    except Exception as error:  # a bug: one broken spec must not stop the batch
        if os.environ.get("EG4SHEET_DEBUG"):
            import traceback

            traceback.print_exc()
        return SheetOutcome(
            spec,
            failure=f"internal error: {type(error).__name__}: {error} "
            "(set EG4SHEET_DEBUG=1 for details and please report it)",
            exit_code=EXIT_INTERNAL,
        )
    plan = sheet.checked.analysis.plan if sheet.checked.analysis else None
    rows = bom_rows(spec.stem, plan) if plan is not None else []
    return SheetOutcome(spec, findings, written, rows)


def build_all(
    specs: list[Path],
    options: BuildOptions,
    jobs: int,
    on_done: Callable[[SheetOutcome], None] = lambda _: None,
) -> list[SheetOutcome]:
    """Outcomes in the order of `specs` (each file once); `on_done` is called as each one
    finishes. UserError, before anything is built, when two sheets would share a path."""
    specs = unique_specs(specs)
    refuse_shared_outputs(specs, options)
    outcomes: dict[Path, SheetOutcome] = {}
    scratch = tempfile.mkdtemp(prefix="eg4sheet-batch-") if jobs > 1 and len(specs) > 1 else ""
    try:
        if jobs <= 1 or len(specs) <= 1:
            for spec in specs:
                outcomes[spec] = build_one(spec, options)
                on_done(outcomes[spec])
        else:
            import_renderer()  # once, here: the workers fork with it
            # closing(): an interruption while on_done runs still stops the pool's workers
            # before the clean-up below looks for their temp files.
            with contextlib.closing(
                _pool_run(specs, options, jobs, scratch, last_try=False)
            ) as runs:
                for outcome in runs:
                    outcomes[outcome.spec] = outcome
                    on_done(outcome)
            # A worker died: try each unfinished spec alone, so only the one that kills its
            # worker fails, not the ones that happened to share the pool with it.
            for spec in [spec for spec in specs if spec not in outcomes]:
                with contextlib.closing(
                    _pool_run([spec], options, 1, scratch, last_try=True)
                ) as runs:
                    for outcome in runs:
                        outcomes[outcome.spec] = outcome
                        on_done(outcome)
    finally:
        remove_stale_parts(options.out_dir, specs)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return [outcomes[spec] for spec in specs if spec in outcomes]


def write_bom(outcomes: list[SheetOutcome], options: BuildOptions) -> Path | None:
    """Write the bill of materials of the sheets built (None when there is none to write).
    When it cannot be written, the sheets are not left without it: every sheet written by
    this run is removed again and reported not built, and OutputError says why."""
    rows = [row for outcome in outcomes for row in outcome.bom]
    if options.bom_file is None or not rows:
        return None
    try:
        return write_atomic(options.bom_file, bom_csv(rows).encode())
    except UserError as error:
        for outcome in outcomes:
            if outcome.built and not outcome.failure:
                for path in outcome.written:
                    if path != Path("<stdout>"):
                        with contextlib.suppress(OSError):
                            path.unlink()
                outcome.written = []
                outcome.failure = "removed again: the bill of materials could not be written"
                outcome.exit_code = error.exit_code
        raise


def _pool_run(
    specs: list[Path], options: BuildOptions, jobs: int, scratch: str, last_try: bool
) -> Generator[SheetOutcome, None, None]:
    """Run specs in a fresh pool; when a worker dies, stop and leave the rest for a retry
    (or, on the last try, report them as failed). Interrupted (Ctrl-C, SIGTERM turned into
    KeyboardInterrupt by the command line), it stops its workers before passing it on."""
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(specs)), initializer=_warm_up, initargs=(os.getpid(), scratch)
    )
    try:
        futures: dict[Future[SheetOutcome], Path] = {
            pool.submit(build_one, spec, options): spec for spec in specs
        }
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                if last_try:
                    yield SheetOutcome(
                        futures[future],
                        failure="the worker building this sheet stopped "
                        "unexpectedly (killed, or out of memory)",
                    )
    except BaseException:
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the workers now, not after their queued sheets, and wait for them to go."""
    # The executor keeps no public list of its processes; this attribute has been there
    # since Python 3.2, and without it the workers still end by watching their parent.
    workers = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        with contextlib.suppress(Exception):
            worker.terminate()
    for worker in workers:
        with contextlib.suppress(Exception):
            worker.join(timeout=5)


def _warm_up(parent: int, scratch: str) -> None:
    """Each worker imports the renderer once, then freezes what it has so the garbage
    collector does not walk those objects again for every sheet. It leaves Ctrl-C to the
    main process, ends at once when stopped (SIGTERM: the main process's handler, inherited,
    would raise KeyboardInterrupt anywhere, even in a finalizer, and print a traceback), keeps
    its temporary files in its own folder of the batch's `scratch` folder, and ends itself
    when the main process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if scratch:
        private = tempfile.mkdtemp(prefix="worker-", dir=scratch)
        tempfile.tempdir = private
        os.environ["TMPDIR"] = private  # for libraries that ask the environment
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    import_renderer()  # already there when forked from a main process that imported it
    gc.freeze()


RENDERER = ("generator.sheet.pdf", "generator.sheet.render", "generator.sheet.figures.rack")


def import_renderer() -> None:
    """Import what a sheet needs (WeasyPrint, matplotlib), if not yet imported. The main
    process of a batch does it before its pool starts: the workers fork with it, instead of
    each importing it on its own (about a second of CPU per worker)."""
    for module in RENDERER:
        importlib.import_module(module)


def _watch_parent(parent: int) -> None:
    """Exit (removing the temp file being written) once the main process has died: a worker
    of a killed batch would otherwise build its queued sheets for minutes."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    abandon_writes()
    if tempfile.tempdir and Path(tempfile.tempdir).name.startswith("worker-"):
        scratch = Path(tempfile.tempdir).parent  # the batch's: its main process is gone
        shutil.rmtree(scratch, ignore_errors=True)
    os._exit(EXIT_INTERNAL)


def sheet_path(spec: Path, options: BuildOptions) -> Path:
    """Where a spec's sheet is written: the one file asked for (or STDOUT), else its file
    name with .pdf in the output directory."""
    return options.out_file or options.out_dir / f"{spec.stem}.pdf"


def unique_specs(specs: list[Path]) -> list[Path]:
    """Each spec file once, as first named (bank.yaml, ./bank.yaml and a link to it are one)."""
    seen: set[object] = set()
    unique = []
    for spec in specs:
        try:
            status = spec.stat()
            identity: object = (status.st_dev, status.st_ino)
        except OSError:  # reported when it is built; named twice, it is still one file
            identity = os.path.normpath(spec.absolute())
        if identity not in seen:
            seen.add(identity)
            unique.append(spec)
    return unique


def refuse_shared_outputs(specs: list[Path], options: BuildOptions) -> None:
    """UserError, before anything is built, when two specs' sheets would be written to one
    path (compared without case, as some file systems do), an output (sheet, HTML, bill of
    materials) would overwrite a spec, one of `inputs` (catalog, company settings, logo) or
    another output, or an output is not a regular file or a new name (a device, a FIFO)."""
    inputs = [(f"the spec {spec}", spec) for spec in specs]
    if options.catalog_path is not None:
        inputs.append((f"the catalog {options.catalog_path}", options.catalog_path))
    if options.company is not None:
        labels = ("the company settings", "the logo")
        pairs = zip(labels, options.company.files, strict=False)
        inputs += [(f"{label} {path}", path) for label, path in pairs]
    owners: dict[str, Path] = {}
    # "-" is standard input as a spec, standard output as a target: neither is a file here
    spec_files = {os.path.normcase(os.path.realpath(spec)) for spec in specs if spec != STDOUT}
    outputs: list[Named] = []
    for spec in specs:
        target = sheet_path(spec, options)
        if target == STDOUT:
            continue
        sheets = [target, target.with_suffix(".html")] if options.with_html else [target]
        for output in sheets:
            if os.path.normcase(os.path.realpath(output)) in spec_files:
                raise UserError(f"{spec}: its sheet {output} would overwrite a spec; nothing built")
            named = (
                f"-o {output}" if output == options.out_file else f"the sheet {output} of {spec}"
            )
            outputs.append((named, output))
        key = os.path.normcase(os.path.realpath(target)).casefold()
        if key in owners:
            raise UserError(
                f"{owners[key]} and {spec} would both be written to {target}; nothing built "
                "(rename one, or build them into separate directories with -o)"
            )
        owners[key] = spec
    if options.bom_file is not None:
        outputs.append((f"--bom {options.bom_file}", options.bom_file))
    refuse_clashes(inputs, outputs)


def remove_stale_parts(out_dir: Path, specs: list[Path]) -> None:
    """Remove temp files that dead processes (a killed worker) left for these specs'
    sheets; a live process's temp file (another build writing here now) is left alone."""
    targets = {f"{spec.stem}{suffix}" for spec in specs for suffix in (".pdf", ".html")}
    with contextlib.suppress(OSError):
        for part in out_dir.glob(".*.part"):
            owner = part_owner(part)
            if owner is not None and owner[0] in targets and not process_alive(owner[1]):
                with contextlib.suppress(OSError):
                    part.unlink()


def expand_specs(arguments: list[Path]) -> list[Path]:
    """Files as given; a directory stands for the *.yaml and *.yml files directly in it."""
    specs: list[Path] = []
    for argument in arguments:
        if argument.is_dir():
            found = sorted([*argument.glob("*.yaml"), *argument.glob("*.yml")])
            if not found:
                raise UserError(f"{argument}: a directory with no .yaml spec in it")
            specs += found
        else:
            specs.append(argument)
    return unique_specs(specs)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
