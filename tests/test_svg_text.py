"""The sheet's SVG text drawn a run at a time (generator/sheet/svgtext.py): the same words
where WeasyPrint's own letter-by-letter drawing sets them, with one layout a run."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from generator import api
from tests.helpers import ROOT
from tests.sheet_helpers import skip_without_pdftotext

pytestmark = pytest.mark.slow  # lays out sheets

WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def _sheet(spec: str, **options: Any) -> bytes:
    sheet = api.build_sheet(
        api.read_spec(ROOT / spec), api.SheetOptions(allow_errors=True, **options)
    )
    assert sheet.pdf is not None
    return sheet.pdf


def _words(pdf: bytes) -> list[tuple[str, tuple[float, ...]]]:
    """Every word of the PDF with its box (pdftotext -bbox), page after page."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.pdf"
        path.write_bytes(pdf)
        command = ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return [(m[5], tuple(float(m[n]) for n in range(1, 5))) for m in WORD.finditer(out)]


@pytest.mark.parametrize(
    ("spec", "options"),
    [
        ("tests/gallery/one.yaml", {}),
        ("tests/wrong_banks/everything_wrong.yaml", {"lang": "es", "paper": "a4"}),
        ("tests/gallery/longest_fields.yaml", {}),
    ],
)
def test_each_word_stands_where_weasyprint_sets_it_letter_by_letter(
    spec: str, options: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Title block (accents, dashes, ellipses), racks as found and corrected with their marks,
    DIP blocks: every word of the sheet, in the same order, within 0.02 pt of where
    WeasyPrint's own drawing puts it (rounding, summed over a long word)."""
    skip_without_pdftotext()
    import weasyprint.svg as weasy_svg

    from generator.sheet import svgtext

    ours = _words(_sheet(spec, **options))
    for tag, function in weasy_svg.TAGS.items():
        if function is svgtext.text:
            monkeypatch.setitem(weasy_svg.TAGS, tag, svgtext.LETTER_BY_LETTER)
    monkeypatch.setattr(weasy_svg, "text", svgtext.LETTER_BY_LETTER)
    monkeypatch.setattr(svgtext, "install", lambda: None)
    theirs = _words(_sheet(spec, **options))

    assert [word for word, _ in ours] == [word for word, _ in theirs]
    far = [
        (word, box, other)
        for (word, box), (_, other) in zip(ours, theirs, strict=True)
        if max(abs(a - b) for a, b in zip(box, other, strict=True)) > 0.02
    ]
    assert not far


def test_a_run_of_svg_text_is_laid_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """One Pango layout a text of the drawings, not one a letter (and one more for the
    text's width): the one-battery sheet's title block (14 texts, 112 letters) on each of
    its 2 pages, its rack (8 texts, 64 letters), its DIP block ('ON', 'OFF' and the six
    switch numbers, one text that places each digit, so still drawn digit by digit)."""
    import weasyprint.text.line_break as line_break

    from generator.sheet import svgtext

    sheet = api.build_sheet(api.read_spec(ROOT / "tests/gallery/one.yaml"))  # warm, installed
    assert sheet.pdf is not None
    laid_out: list[str] = []

    def counted(text: str, *args: Any, **kwargs: Any) -> Any:
        laid_out.append(text)
        return split(text, *args, **kwargs)

    split = line_break.split_first_line
    monkeypatch.setattr(svgtext, "split_first_line", counted, raising=True)
    # WeasyPrint's letter-by-letter function imports it from its module at each call
    monkeypatch.setattr(line_break, "split_first_line", counted)
    api.build_sheet(api.read_spec(ROOT / "tests/gallery/one.yaml"))
    for text in ("BATTERY BANK INSTALL SHEET", "Okafor shed", "Q-2026-0501", "Daniel Okafor"):
        assert laid_out.count(text) == 2  # the title block, on each page
    assert "LLS2410-0099" in laid_out and "to the master (ID 1) only" in laid_out  # the rack
    assert [text for text in laid_out if len(text) == 1 and text.isalpha()] == []
    # WeasyPrint's own: every text once for its width, then each letter: 338 layouts
    assert len(laid_out) == 2 * 14 + 8 + 3 + 6
