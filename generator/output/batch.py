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

from generator.bank.catalog import default_catalog, load_catalog
from generator.bank.diagnostics import Finding
from generator.company import Company
from generator.errors import UserError
from generator.output.bom import bom_rows
from generator.output.files import build_sheet


@dataclass(frozen=True)
class BuildOptions:
    out_dir: Path
    allow_errors: bool = False
    paper: str | None = None
    with_html: bool = False
    company: Company | None = None
    catalog_path: Path | None = None


@dataclass
class SheetOutcome:
    """What happened to one spec; plain data, so it crosses process boundaries."""

    spec: Path
    findings: list[Finding] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    bom: list[list[str]] = field(default_factory=list)
    failure: str | None = None  # unreadable file, unwritable output, a crash
    exit_code: int = 1  # for a failure: 2 when a file could not be read or written

    @property
    def built(self) -> bool:
        return bool(self.written)


def build_one(spec: Path, options: BuildOptions) -> SheetOutcome:
    """Build one sheet, turning anything that goes wrong into an outcome, never an exception."""
    catalog = load_catalog(options.catalog_path) if options.catalog_path else default_catalog()
    try:
        result = build_sheet(
            spec,
            options.out_dir,
            catalog,
            allow_errors=options.allow_errors,
            paper=options.paper,
            with_html=options.with_html,
            company=options.company,
        )
    except UserError as error:
        return SheetOutcome(spec, failure=str(error), exit_code=error.exit_code)
    except Exception as error:  # one broken spec must not stop the batch
        return SheetOutcome(spec, failure=f"internal error: {type(error).__name__}: {error}")
    rows = bom_rows(spec.stem, result.plan) if result.plan and result.written else []
    return SheetOutcome(spec, result.findings, result.written, rows)


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
