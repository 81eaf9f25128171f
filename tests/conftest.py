"""Shared fixtures: the catalog, running the CLI in-process, spec files, the drawing cache;
and one hook, so that a machine without pdftotext gets one line about it."""

from __future__ import annotations

import gc
import logging
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from generator.bank.catalog import Catalog, default_catalog
from generator.cli import main
from tests.helpers import CliResult
from tests.sheet_helpers import NO_PDFTOTEXT, skip_without_pdftotext

# A test process keeps much alive for long (the gallery's sheets and their word boxes, the
# hostile corpus, module fixtures) while each build makes and drops millions of objects: with
# Python's default thresholds (700, 10, 10) the collector walked that whole heap 140 times in
# the two workers of ./dev test, 24 s of CPU; with these, 8 times, 7 s. It costs memory (the
# gallery and --allow-errors builds peak at 400 MB, not 255). Only pytest loads this file.
gc.set_threshold(5000, 20, 20)

# The files that take longest, longest first (wall seconds of each on one worker, from a run
# of ./dev test with a per-test timer, 2026-12-06): handed out first, so that the two workers
# end together instead of one of them starting the gallery or a server test last. The others
# follow in their own order. ./dev test keeps this order (--no-loadscope-reorder).
LONGEST_FIRST = [
    "test_server_browser.py",  # 28 s: a server and chromium
    "test_hostile.py",  # 23 s: the hostile corpus, built and run in a process of its own
    "test_gallery.py",  # 21 s: every sheet of the gallery and the wrong banks laid out
    "test_server_process.py",  # 14 s
    "test_server_ops.py",  # 11 s
    "test_properties.py",  # 11 s
    "test_scale.py",  # 10 s: nginx and two servers
    "test_quality.py",  # 10 s on a fresh clone: mypy with no cache
    "test_batch.py",  # 10 s
    "test_scan.py",  # 9 s
    "test_sheet.py",  # 7 s
    "test_layout_cost.py",  # 7 s: sheets laid out both ways
    "test_server_api.py",  # 6 s
    "test_page_top.py",  # 5 s
    "test_outputs.py",  # 4 s
    "test_svg_text.py",  # 4 s: sheets laid out both ways
]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `eg4sheet ARGS` in this process through the real entry point."""

    def run(*args: str) -> CliResult:
        try:
            main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "bank.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session", autouse=True)
def drawing_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tests use a cache of their own, never the user's: one for the whole run, shared by
    pytest-xdist's workers (under the run's temporary folder, private like the default one;
    entries are written atomically), so that each DIP block is drawn once per run and not
    once in every worker (96 of the 112 drawings in one worker's cache were drawn by the
    other worker too, at about 0.03 s of CPU each)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder; each worker's basetemp is inside it
    folder = root / "drawing-cache"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.environ["EG4SHEET_CACHE"] = str(folder)
    return folder


class _Heard(logging.Handler):
    """Every warning WeasyPrint logs in this process, kept until a test looks at them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


WEASYPRINT = _Heard()
logging.getLogger("weasyprint").addHandler(WEASYPRINT)


@pytest.fixture(autouse=True)
def weasyprint_warnings() -> Iterator[list[str]]:
    """Any warning WeasyPrint logs while a test (or the fixtures it uses) lays out a sheet
    fails that test. A test that expects one takes the list and empties it."""
    if WEASYPRINT.messages:
        heard, WEASYPRINT.messages[:] = list(WEASYPRINT.messages), []
        pytest.fail(f"WeasyPrint warned while the fixtures were made: {heard}")
    WEASYPRINT.messages.clear()
    yield WEASYPRINT.messages
    heard, WEASYPRINT.messages[:] = list(WEASYPRINT.messages), []
    if heard:
        pytest.fail(f"WeasyPrint warned: {heard}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Every skip for a missing pdftotext is reported at one place, so `pytest -ra` folds
    them into a single line (a skip from a fixture would otherwise name each test)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    reason = report.longrepr[2] if report.skipped and isinstance(report.longrepr, tuple) else ""
    if str(reason).endswith(NO_PDFTOTEXT):
        code = skip_without_pdftotext.__code__
        report.longrepr = (code.co_filename, code.co_firstlineno + 2, reason)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A test process's heap is left to the operating system: the sheets, word boxes and
    layouts its tests made sit in reference cycles that Python's exit would walk and free one
    by one, about 3.5 s at the end of ./dev test while nothing else runs (the run waits for
    its workers to exit). Frozen, the last collection skips them; none of them has anything
    to write at exit."""
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first (LONGEST_FIRST); each file's tests keep their order."""
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
