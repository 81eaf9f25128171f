"""Run the whole hostile corpus in this one process and report every case.

    .venv/bin/python -m tests.hostile_run            # the slowest cases and the peak RSS
    .venv/bin/python -m tests.hostile_run --json     # every case, for tests/test_hostile.py

Each scenario runs `eg4sheet` in-process (through the real entry point) in a fresh folder
of its own; its seconds are the command's alone. Memory is the peak resident set size of
this process (every case ran in it, so the worst single case stayed below it) and of the
largest child (batch workers). A case that hangs is stopped by an alarm and reported.
A sheet already made in this run from the same HTML and spec is not laid out again
(`SheetsMadeOnce`): the cases that share one still run their command whole.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import resource
import signal
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.hostile_scenarios import SCENARIOS, Scenario, prepare

HANG_SECONDS = 60  # far beyond the 10 s bound: only a real hang reaches it


class Hung(Exception):
    pass


@dataclass(frozen=True)
class Html:
    """A sheet's HTML, its layout left to `SheetsMadeOnce.write_pdf`."""

    text: str


class SheetsMadeOnce:
    """The sheets made in this run, by what makes them. A sheet is its HTML laid out, then
    written with its spec attached (generator.sheet.pdf: lay_out, write_pdf; nothing else
    calls them), and the same HTML with the same spec makes the same bytes (the sheet is
    reproducible: the golden files hold it). Thirteen cases make the same two-battery sheet
    (ten drawing caches tampered with, one spec named four ways, a named pipe among the
    specs of a batch, a file size limit): each still runs its command whole (its cache read
    and drawings redrawn, its HTML made, its file written or refused), and only
    WeasyPrint's layout and PDF of that same HTML and spec (0.3 s of CPU each) come from
    the first. HTML not made before, such as the drawings of a forged cache would make, is
    laid out as ever. A case run under a file size limit lays out for real, so WeasyPrint's
    own temporary files meet the limit as they did. Each case reports how many of its
    sheets were made before (not counting those of the batch workers it forks, which start
    with what this process has made)."""

    def __init__(self) -> None:
        self.made: dict[tuple[bytes, str, bytes], bytes] = {}
        self.reuse = True  # False: lay out even a sheet made before
        self.reused = 0

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        from generator.sheet import pdf

        real_lay_out, real_write_pdf = pdf.lay_out, pdf.write_pdf

        def lay_out(html: str) -> Html:
            return Html(html)

        def write_pdf(document: Html, spec_name: str, spec_source: bytes) -> bytes:
            key = (
                hashlib.sha256(document.text.encode()).digest(),
                spec_name,
                hashlib.sha256(spec_source).digest(),
            )
            if self.reuse and key in self.made:
                self.reused += 1
                return self.made[key]
            made = real_write_pdf(real_lay_out(document.text), spec_name, spec_source)
            self.made[key] = made
            return made

        pdf.lay_out, pdf.write_pdf = lay_out, write_pdf
        try:
            yield
        finally:
            pdf.lay_out, pdf.write_pdf = real_lay_out, real_write_pdf


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under `folder` with what it is (a link's target, a file's hash); nothing
    that is not a regular file is ever opened."""
    found = {}
    for path in sorted(folder.rglob("*")):
        status = path.lstat()
        name = str(path.relative_to(folder))
        if stat.S_ISLNK(status.st_mode):
            found[name] = f"link to {os.readlink(path)}"
        elif stat.S_ISREG(status.st_mode):
            with path.open("rb") as handle:
                found[name] = hashlib.file_digest(handle, "sha256").hexdigest()
        else:
            found[name] = stat.filemode(status.st_mode)[0]
    return found


def outside(name: str, allowed: tuple[str, ...]) -> bool:
    return not any(name == path or name.startswith(f"{path}/") for path in allowed)


def run_one(
    scenario: Scenario, folder: Path, warm_cache: Path, sheets: SheetsMadeOnce
) -> dict[str, Any]:
    from generator.cli import main
    from generator.sheet.figures.dip import dip_svg

    os.environ["EG4SHEET_CACHE"] = str(folder / "cache" if scenario.area == "cache" else warm_cache)
    dip_svg.cache_clear()  # drawings come from the cache on disk, as in a fresh process
    made = time.perf_counter()
    scenario.setup(folder)
    made = time.perf_counter() - made
    before = snapshot(folder)
    sheets.reuse, reused = scenario.file_limit is None, sheets.reused
    out, err = io.StringIO(), io.StringIO()
    code: object = None
    os.chdir(folder)
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    if scenario.file_limit is not None:  # `ulimit -f` for this command alone
        resource.setrlimit(resource.RLIMIT_FSIZE, (scenario.file_limit, limit[1]))
    signal.alarm(HANG_SECONDS)
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(list(scenario.args))
    except SystemExit as exit_:
        code = exit_.code
    except Hung:
        code = "hung"
    except BaseException as error:  # reported, never hidden
        code = f"raised {type(error).__name__}: {error}"
    finally:
        seconds = time.perf_counter() - started
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
    after = snapshot(folder)
    changed = [
        name
        for name, what in after.items()
        if before.get(name) != what and outside(name, scenario.outputs)
    ]
    vanished = [name for name in before if name not in after and outside(name, scenario.outputs)]
    told = out.getvalue() + err.getvalue()
    return {
        "name": scenario.name,
        "area": scenario.area,
        "exit_code": code,
        "expected": scenario.exit_code,
        "seconds": round(seconds, 3),
        "setup_seconds": round(made, 3),
        "traceback": "Traceback" in told,
        "told": scenario.message in told,
        "output": told[-600:],
        "partial": [name for name in after if name.endswith(".part")],
        "sheets_made_before": sheets.reused - reused,
        "unexpected": changed + vanished,
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_all(names: set[str] | None = None) -> dict[str, Any]:
    def hung(signum: int, frame: object) -> None:
        raise Hung

    signal.signal(signal.SIGALRM, hung)
    prepare()
    home = os.getcwd()
    results = []
    sheets = SheetsMadeOnce()
    with (
        tempfile.TemporaryDirectory(prefix="eg4sheet-hostile-") as work,
        sheets.installed(),
    ):
        warm_cache = Path(work) / "warm-cache"
        for number, scenario in enumerate(SCENARIOS):
            if names and scenario.name not in names:
                continue
            folder = Path(work) / f"case-{number}"
            folder.mkdir()
            results.append(run_one(scenario, folder, warm_cache, sheets))
            os.chdir(home)
    return {
        "cases": results,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "children_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print every case as JSON")
    parser.add_argument("names", nargs="*", help="run only these scenarios")
    options = parser.parse_args()
    report = run_all(set(options.names) or None)
    if options.json:
        print(json.dumps(report))
        return
    cases = sorted(report["cases"], key=lambda case: -case["seconds"])
    wrong = [
        case
        for case in cases
        if case["exit_code"] != case["expected"]
        or case["traceback"]
        or not case["told"]
        or case["partial"]
        or case["unexpected"]
    ]
    print(f"{len(cases)} cases; slowest:")
    for case in cases[:8]:
        print(f"  {case['seconds']:7.3f} s  {case['area']:<8} {case['name']}")
    print(f"peak RSS: {report['peak_rss_mb']} MB (this process, every case)")
    print(f"peak RSS of a child process (batch worker): {report['children_peak_rss_mb']} MB")
    for case in wrong:
        print(f"WRONG {case['name']}: {json.dumps(case)}")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
