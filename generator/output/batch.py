"""Many sheets at once: a process pool, each spec isolated, a summary at the end.

Workers import the heavy libraries once and build many sheets each. A spec that fails is
reported and the others still build. A worker that dies breaks the pool; its unfinished
specs are tried once more in a fresh pool, so one bad spec cannot take the batch down.
Writes are atomic, and temp files left by a killed worker are removed at the end.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator
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
from generator.output.files import STDOUT, write_atomic, write_stdout

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
        if self.failure:
            lines.append((f"{self.spec}: not built: {self.failure}", True))
        elif self.built:
            note = f" with {plural(len(errors), 'error')}" if errors else ""
            lines.append((f"{self.spec}: wrote {', '.join(map(str, self.written))}{note}", False))
        else:
            lines.append(
                (
                    f"{self.spec}: not built: {plural(len(errors), 'error')} "
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
            ),
            api.catalog(options.catalog_path),
        )
        findings = sheet.checked.findings
        if sheet.pdf is None:
            return SheetOutcome(spec, findings)
        target = options.out_file or options.out_dir / f"{spec.stem}.pdf"
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
            failure=f"internal error: {type(error).__name__}: {error}",
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
    """Outcomes in the order of `specs`; `on_done` is called as each one finishes."""
    outcomes: dict[Path, SheetOutcome] = {}
    try:
        if jobs <= 1 or len(specs) <= 1:
            for spec in specs:
                outcomes[spec] = build_one(spec, options)
                on_done(outcomes[spec])
        else:
            for outcome in _pool_run(specs, options, jobs, last_try=False):
                outcomes[outcome.spec] = outcome
                on_done(outcome)
            # A worker died: try each unfinished spec alone, so only the one that kills its
            # worker fails, not the ones that happened to share the pool with it.
            for spec in [spec for spec in specs if spec not in outcomes]:
                for outcome in _pool_run([spec], options, 1, last_try=True):
                    outcomes[outcome.spec] = outcome
                    on_done(outcome)
    finally:
        remove_stale_parts(options.out_dir, specs)
    return [outcomes[spec] for spec in specs if spec in outcomes]


def _pool_run(
    specs: list[Path], options: BuildOptions, jobs: int, last_try: bool
) -> Iterator[SheetOutcome]:
    """Run specs in a fresh pool; when a worker dies, stop and leave the rest for a retry
    (or, on the last try, report them as failed)."""
    with ProcessPoolExecutor(max_workers=min(jobs, len(specs)), initializer=_warm_up) as pool:
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


def _warm_up() -> None:
    """Each worker imports the renderer once, then freezes what it has so the garbage
    collector does not walk those objects again for every sheet."""
    import importlib

    for module in ("generator.sheet.pdf", "generator.sheet.render", "generator.sheet.figures.rack"):
        importlib.import_module(module)

    gc.freeze()


def remove_stale_parts(out_dir: Path, specs: list[Path]) -> None:
    """Remove temp files a killed worker may have left for these specs' sheets."""
    stems = {spec.stem for spec in specs}
    with contextlib.suppress(OSError):
        for part in out_dir.glob(".*.part"):
            name = part.name[1:]
            if any(
                name.startswith(f"{stem}.pdf.") or name.startswith(f"{stem}.html.")
                for stem in stems
            ):
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
    return list(dict.fromkeys(specs))


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
