"""Golden HTML for every spec in bank_specs/: a change to the sheet shows as a reviewable diff.

Figures and the stylesheet are replaced by a short digest of their bytes, so the diff shows
the words and structure of the sheet and says which drawing changed (the stylesheet's own
diff is in templates/sheet.css). After a deliberate change:

    EG4SHEET_UPDATE_GOLDEN=1 ./dev test tests/test_golden.py

and review `git diff tests/golden/` before committing it.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from pathlib import Path

import pytest

from generator import api
from tests.helpers import ROOT

SPECS = sorted((ROOT / "bank_specs").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden"
DATA_URL = re.compile(r"data:(?P<mime>[\w/+.-]+);base64,(?P<data>[A-Za-z0-9+/=]+)")
STYLE = re.compile(r"<style>(?P<data>.*?)</style>", re.DOTALL)
FILE_URL = re.compile(r"file://[^\"')\s]*/(?P<name>[^/\"')\s]+)")  # a font, wherever checked out

pytestmark = pytest.mark.slow  # draws the figures


def normalised(html: str) -> str:
    def digest(match: re.Match[str]) -> str:
        sha = hashlib.sha256(match["data"].encode()).hexdigest()[:12]
        return f"data:{match['mime']};sha256={sha}"

    def style(match: re.Match[str]) -> str:
        return f"<style>sha256={hashlib.sha256(match['data'].encode()).hexdigest()[:12]}</style>"

    return STYLE.sub(style, FILE_URL.sub(r"asset:\g<name>", DATA_URL.sub(digest, html)))


def render(spec: Path) -> str:
    from generator.sheet.render import render_html

    # Named as in the checkout, so the golden file does not depend on where that is.
    checked = api.check(api.SpecSource(spec.relative_to(ROOT).as_posix(), spec.read_bytes()))
    assert checked.analysis is not None
    return normalised(render_html(checked.analysis, spec.name))


@pytest.mark.parametrize("spec", SPECS, ids=[spec.stem for spec in SPECS])
def test_sheet_html_matches_its_golden_file(spec: Path) -> None:
    golden = GOLDEN / f"{spec.stem}.html"
    html = render(spec)
    if os.environ.get("EG4SHEET_UPDATE_GOLDEN"):
        golden.write_text(html, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8") if golden.exists() else ""
    if html != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                html.splitlines(keepends=True),
                str(golden.relative_to(ROOT)),
                "rendered now",
                n=1,
            )
        )
        pytest.fail(
            f"the sheet of {spec.name} changed; if that is intended, run "
            "EG4SHEET_UPDATE_GOLDEN=1 ./dev test tests/test_golden.py and review "
            f"git diff tests/golden/\n{diff[:6000]}"
        )


def test_every_spec_has_a_golden_file() -> None:
    assert sorted(path.stem for path in GOLDEN.glob("*.html")) == [spec.stem for spec in SPECS]
