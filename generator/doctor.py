"""`eg4sheet doctor`: what this machine gives eg4sheet, and what it lacks."""

from __future__ import annotations

import ctypes
import os
import platform
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from generator import __version__
from generator.sheet import assets
from generator.sheet.figures.cache import cache_dir

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
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def report() -> list[tuple[str, str, bool]]:
    """(what, finding, fine) rows."""
    fonts = assets.font_files()
    folder = cache_dir()
    if folder is None:
        cache_text, cache_ok = "off (EG4SHEET_CACHE=off): every build draws its DIP blocks", True
    else:
        entries = len(list(folder.glob("dip-*.svg"))) if folder.is_dir() else 0
        writable = os.access(folder if folder.is_dir() else folder.parent, os.W_OK)
        cache_text = f"{folder} ({entries} drawings{'' if writable else ', NOT writable'})"
        cache_ok = writable
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
