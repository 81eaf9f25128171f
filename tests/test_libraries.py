"""WeasyPrint's C libraries are found with one `ldconfig -p`, and they are the same libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.sheet.libraries import LDCONFIG, find_in
from tests.helpers import ROOT

LIBRARIES = (
    "gobject-2.0",
    "pango-1.0",
    "pangoft2-1.0",
    "harfbuzz",
    "harfbuzz-subset",
    "fontconfig",
)

# Each import in a fresh process: which programs it starts, and which of WeasyPrint's C
# libraries the process has mapped afterwards.
PROBE = """
import json, subprocess, sys
started = []
own = subprocess.Popen.__init__
def record(self, args, *more, **named):
    started.append(str(args[0] if isinstance(args, (list, tuple)) else args))
    own(self, args, *more, **named)
subprocess.Popen.__init__ = record
exec(sys.argv[1])
with open("/proc/self/maps") as maps:
    mapped = sorted({line.split()[-1].rsplit("/", 1)[-1] for line in maps if ".so" in line})
print(json.dumps({"started": started, "mapped": mapped}))
"""


def probe(statement: str) -> dict[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, statement],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen: dict[str, list[str]] = json.loads(result.stdout)
    return seen


def ours(mapped: list[str]) -> set[str]:
    return {name for name in mapped if any(name.startswith(f"lib{lib}.so") for lib in LIBRARIES)}


@pytest.mark.skipif(
    not (sys.platform.startswith("linux") and Path(LDCONFIG).exists()), reason="no ldconfig here"
)
def test_a_sheet_process_starts_one_ldconfig_and_maps_the_libraries_weasyprint_maps() -> None:
    quick = probe("import generator.sheet.pdf")
    stock = probe("import weasyprint")
    # WeasyPrint's own look-up started ldconfig, gcc and ld for every name that failed.
    assert len(stock["started"]) > 10, stock["started"]
    assert quick["started"] == [LDCONFIG]
    assert ours(quick["mapped"]) == ours(stock["mapped"])
    loaded = {
        lib for lib in LIBRARIES for name in quick["mapped"] if name.startswith(f"lib{lib}.so")
    }
    assert {"gobject-2.0", "pango-1.0", "harfbuzz", "fontconfig"} <= loaded


LISTING = b"""1234 libs found in cache `/etc/ld.so.cache'
\tlibharfbuzz.so.0 (libc6) => /usr/lib/i386-linux-gnu/libharfbuzz.so.0
\tlibharfbuzz.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libharfbuzz.so.0
\tlibharfbuzz-subset.so.0 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libharfbuzz-subset.so.0
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.uname().machine != "x86_64",
    reason="the listing is an x86-64 one",
)
def test_names_are_found_as_find_library_finds_them() -> None:
    assert find_in(LISTING, "harfbuzz") == "libharfbuzz.so.0"  # the 64-bit one's name
    assert find_in(LISTING, "harfbuzz-subset") == "libharfbuzz-subset.so.0"
    assert find_in(LISTING, "libharfbuzz-0") is None  # WeasyPrint's Windows-style name
    assert find_in(LISTING, "harf.uzz") is None  # a name is text, not a pattern
