"""What the renderer does for one sheet, counted, not timed (speed is the benchmark's,
bench/run.py): how often each page is laid out."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pytest

from generator import api
from tests.helpers import ROOT

pytestmark = pytest.mark.slow  # lays out a sheet


def test_a_page_with_page_references_is_laid_out_once_more_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The benchmark's 16-battery bank: 'as shown in 3 · DIP switches, page 3' on the last
    page needs that page laid out once more when the page is known; WeasyPrint 70 laid it out
    twice more (sheet.css says why, and how the second is avoided)."""
    from weasyprint.layout import page as pages

    from bench.run import BANKS, spec_text
    from generator.sheet.pdf import lay_out
    from generator.sheet.render import render_html

    spec = tmp_path / "bank16.yaml"
    spec.write_text(spec_text(BANKS[16]))
    checked = api.check(api.read_spec(spec))
    assert checked.analysis is not None
    html = render_html(checked.analysis, spec.name)
    made: collections.Counter[int] = collections.Counter()
    make_page = pages.make_page

    def counted(*args: Any) -> Any:
        made[args[4]] += 1  # the page number
        return make_page(*args)

    monkeypatch.setattr(pages, "make_page", counted)
    document = lay_out(html)
    count = len(document.pages)
    texts = [
        "".join(box.text for box in _text_boxes(page._page_box)).replace("\xa0", " ")
        for page in document.pages
    ]
    holding = {n for n, text in enumerate(texts, start=1) if "DIP switches, page" in text}
    assert holding == {count}, texts
    assert made == {n: 2 if n in holding else 1 for n in range(1, count + 1)}
    assert f"DIP switches, page {_page_of('3 · DIP switches', texts)}" in texts[-1]


def _text_boxes(box: Any) -> list[Any]:
    found = [box] if hasattr(box, "text") and isinstance(box.text, str) else []
    for child in getattr(box, "children", ()):
        found += _text_boxes(child)
    return found


def _page_of(heading: str, texts: list[str]) -> int:
    return next(n for n, text in enumerate(texts, start=1) if heading + ":" in text)


def test_the_stylesheet_parsed_once_makes_the_same_pdf() -> None:
    """lay_out hands WeasyPrint the sheet's stylesheet parsed once per process: the PDF is
    byte for byte the one WeasyPrint makes from the HTML alone, the second sheet laid out with
    the kept stylesheet too (a4, Spanish, a company's name and errors: everything_wrong)."""
    from weasyprint import HTML

    from generator.company import Company
    from generator.sheet.pdf import BASE_URL, AssetOnlyFetcher, lay_out, stylesheet
    from generator.sheet.render import render_html

    spec = ROOT / "tests" / "wrong_banks" / "everything_wrong.yaml"
    checked = api.check(api.read_spec(spec))
    assert checked.analysis is not None
    owner = Company("Lone Star Solar Works LLC", "100 Congress Avenue", "(512) 555-0142")
    html = render_html(checked.analysis, spec.name, paper="a4", lang="es", company=owner)
    alone = HTML(string=html, base_url=BASE_URL, url_fetcher=AssetOnlyFetcher()).render()
    expected = alone.write_pdf(pdf_identifier=b"same")
    stylesheet.cache_clear()
    for _ in range(2):
        assert lay_out(html).write_pdf(pdf_identifier=b"same") == expected
    assert stylesheet.cache_info().misses == 1


def test_no_style_is_computed_for_pseudo_elements_the_sheet_has_none_of(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """WeasyPrint's user-agent stylesheet gives every element a ::marker and five footnote
    and note pseudo-elements, and the cascade computed a style for each (6 of 7 styles of a
    sheet). The sheet has no footnote or note and shows no list marker: it is laid out
    without those rules (generator/sheet/pdf.py), and computes only the pseudo-elements its
    own stylesheet makes (the page reference's ::after, the cable lines' ::before)."""
    import weasyprint.css as weasy_css

    from generator.sheet.pdf import lay_out
    from generator.sheet.render import render_html

    spec = ROOT / "tests" / "wrong_banks" / "everything_wrong.yaml"
    checked = api.check(api.read_spec(spec))
    assert checked.analysis is not None
    html = render_html(checked.analysis, spec.name)
    computed: collections.Counter[str | None] = collections.Counter()
    compute = weasy_css.StyleFor.set_computed_styles

    def counted(self: Any, element: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(element, str) and hasattr(element, "tag"):  # not a page
            computed[kwargs.get("pseudo_type")] += 1
        return compute(self, element, *args, **kwargs)

    monkeypatch.setattr(weasy_css.StyleFor, "set_computed_styles", counted)
    lay_out(html)
    assert set(computed) == {None, "before", "after"}, computed
    assert computed["before"] + computed["after"] < computed[None] / 20
    sheet_css = (ROOT / "templates" / "sheet.css").read_text()
    assert "footnote" not in sheet_css and "note(" not in sheet_css
