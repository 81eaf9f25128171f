"""`eg4sheet doctor`: what this machine gives eg4sheet, and what it lacks."""

from __future__ import annotations

import ctypes
import os
import platform
from functools import cache
from pathlib import Path

from generator import __version__
from generator.sheet import assets
from generator.sheet.figures.cache import cache_dir, cache_problem

SUBSET_LIBRARIES = (
    "libharfbuzz-subset.so.0",
    "libharfbuzz-subset.0.dylib",
    "libharfbuzz-subset-0.dll",
)
SUBSET_MISSING = (
    "libharfbuzz-subset is missing: fonts are subset with fontTools, about 0.5 s slower per "
    "sheet (output stays the same). On Debian: apt-get install libharfbuzz-subset0"
)


@cache
def has_fast_subsetting() -> bool:
    """Whether WeasyPrint can subset fonts with harfbuzz (fast) instead of fontTools."""
    for name in SUBSET_LIBRARIES:
        try:
            ctypes.CDLL(name)
        except OSError:
            continue
        return True
    return False


def _version(package: str) -> str:
    # Imported here: `build` asks this module about font subsetting, and package metadata
    # would cost every build about 17 ms of start-up.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def report() -> list[tuple[str, str, bool]]:
    """(what, finding, fine) rows."""
    fonts = assets.font_files()
    cache_text, cache_ok = cache_report(cache_dir())
    fast = has_fast_subsetting()
    return [
        ("eg4sheet", __version__, True),
        ("Python", platform.python_version(), True),
        ("WeasyPrint", _version("weasyprint"), _version("weasyprint") != "not installed"),
        ("matplotlib", _version("matplotlib"), _version("matplotlib") != "not installed"),
        ("fonts", ", ".join(font.name for font in fonts) or "MISSING", len(fonts) == 2),
        ("font subsetting", "harfbuzz (fast)" if fast else SUBSET_MISSING, fast),
        ("drawing cache", cache_text, cache_ok),
    ]


def cache_report(folder: Path | None) -> tuple[str, bool]:
    """The drawing cache: its drawings, or that it will be created (a fresh machine), or
    why it cannot be written."""
    if folder is None:
        return "off (EG4SHEET_CACHE=off): every build draws its DIP blocks", True
    problem = cache_problem(folder)
    if problem is not None:
        return f"{problem}: every build draws its DIP blocks", False
    if folder.is_dir():
        entries = len(list(folder.glob("dip-*.svg")))
        writable = os.access(folder, os.W_OK | os.X_OK)
        return f"{folder} ({entries} drawings{'' if writable else ', NOT writable'})", writable
    if folder.exists() or folder.is_symlink():
        return f"{folder} is not a directory: every build draws its DIP blocks", False
    existing = folder.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir() and os.access(existing, os.W_OK | os.X_OK):
        return f"{folder} (will be created by the first build)", True
    return f"{folder} cannot be created ({existing} is not writable)", False
