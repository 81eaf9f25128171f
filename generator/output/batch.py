"""Many sheets at once: a process pool, each spec isolated, a summary at the end.

Workers import the heavy libraries once and build many sheets each. A spec that fails is
reported and the others still build. A worker that dies breaks the pool; its unfinished
specs are tried once more in a fresh pool, so one bad spec cannot take the batch down.
Writes are atomic, and temp files left by a killed worker are removed at the end (only
those of dead processes: another build may be writing into the same folder).

Before anything is built, the same spec named twice is built once, and two specs whose
sheets would land on one path (a/bank.yaml and b/bank.yaml, bank.yaml and bank.yml) are
refused. Workers watch the main process: when it is gone (killed, even with SIGKILL) they
remove their temp file and exit within a second; an interrupted main process stops them.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
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
from generator.errors import UserError
from generator.output.bom import bom_rows
from generator.output.files import (
    STDOUT,
    abandon_writes,
    part_owner,
    process_alive,
    write_atomic,
    write_stdout,
)

PARENT_CHECK_SECONDS = 0.5

EXIT_ERRORS, EXIT_INTERNAL = 1, 3


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
        return EXIT_ERRORS if self.errors else 0

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
            written = [write_atomic(target, sheet.pdf)]
        if sheet.html is not None and target != STDOUT:
            written.append(write_atomic(target.with_suffix(".html"), sheet.html.encode()))
    except UserError as error:
        return SheetOutcome(spec, failure=str(error), exit_code=error.exit_code)
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
    try:
        if jobs <= 1 or len(specs) <= 1:
            for spec in specs:
                outcomes[spec] = build_one(spec, options)
                on_done(outcomes[spec])
        else:
            # closing(): an interruption while on_done runs still stops the pool's workers
            # before the clean-up below looks for their temp files.
            with contextlib.closing(_pool_run(specs, options, jobs, last_try=False)) as runs:
                for outcome in runs:
                    outcomes[outcome.spec] = outcome
                    on_done(outcome)
            # A worker died: try each unfinished spec alone, so only the one that kills its
            # worker fails, not the ones that happened to share the pool with it.
            for spec in [spec for spec in specs if spec not in outcomes]:
                with contextlib.closing(_pool_run([spec], options, 1, last_try=True)) as runs:
                    for outcome in runs:
                        outcomes[outcome.spec] = outcome
                        on_done(outcome)
    finally:
        remove_stale_parts(options.out_dir, specs)
    return [outcomes[spec] for spec in specs if spec in outcomes]


def _pool_run(
    specs: list[Path], options: BuildOptions, jobs: int, last_try: bool
) -> Generator[SheetOutcome, None, None]:
    """Run specs in a fresh pool; when a worker dies, stop and leave the rest for a retry
    (or, on the last try, report them as failed). Interrupted (Ctrl-C, SIGTERM turned into
    KeyboardInterrupt by the command line), it stops its workers before passing it on."""
    pool = ProcessPoolExecutor(
        max_workers=min(jobs, len(specs)), initializer=_warm_up, initargs=(os.getpid(),)
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


def _warm_up(parent: int) -> None:
    """Each worker imports the renderer once, then freezes what it has so the garbage
    collector does not walk those objects again for every sheet. It leaves Ctrl-C to the
    main process and ends itself when the main process is gone."""
    import importlib

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    for module in ("generator.sheet.pdf", "generator.sheet.render", "generator.sheet.figures.rack"):
        importlib.import_module(module)

    gc.freeze()


def _watch_parent(parent: int) -> None:
    """Exit (removing the temp file being written) once the main process has died: a worker
    of a killed batch would otherwise build its queued sheets for minutes."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    abandon_writes()
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
    """UserError when two specs' sheets would be written to one path (compared without case,
    as some file systems do) or a sheet would overwrite a spec; nothing is built then."""
    owners: dict[str, Path] = {}
    # "-" is standard input as a spec, standard output as a target: neither is a file here
    inputs = {os.path.normcase(os.path.realpath(spec)) for spec in specs if spec != STDOUT}
    for spec in specs:
        target = sheet_path(spec, options)
        if target == STDOUT:
            continue
        outputs = [target, target.with_suffix(".html")] if options.with_html else [target]
        for output in outputs:
            if os.path.normcase(os.path.realpath(output)) in inputs:
                raise UserError(f"{spec}: its sheet {output} would overwrite a spec; nothing built")
        key = os.path.normcase(os.path.realpath(target)).casefold()
        if key in owners:
            raise UserError(
                f"{owners[key]} and {spec} would both be written to {target}; nothing built "
                "(rename one, or build them into separate directories with -o)"
            )
        owners[key] = spec


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
