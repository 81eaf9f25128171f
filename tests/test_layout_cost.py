"""What the renderer does for one sheet, counted, not timed (speed is the benchmark's,
bench/run.py): how often each page is laid out."""

from __future__ import annotations

import collections
import importlib
from pathlib import Path
from typing import Any

import pytest

from generator import api
from tests.helpers import ROOT

pytestmark = pytest.mark.slow  # lays out a sheet


def test_every_page_of_a_sheet_is_laid_out_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The benchmark's 16-battery bank: 'as shown in 3 · DIP switches, page 3' on the last
    page is laid out once, with its number (WeasyPrint 70 laid that page out twice, first
    with 'page 0': generator/sheet/pagerefs.py)."""

    from bench.run import BANKS, spec_text
    from generator.sheet.pdf import lay_out
    from generator.sheet.render import render_html

    spec = tmp_path / "bank16.yaml"
    spec.write_text(spec_text(BANKS[16]))
    checked = api.check(api.read_spec(spec))
    assert checked.analysis is not None
    html = render_html(checked.analysis, spec.name)
    made = _count_layouts(monkeypatch)
    document = lay_out(html)
    count = len(document.pages)
    texts = [
        "".join(box.text for box in _text_boxes(page._page_box)).replace("\xa0", " ")
        for page in document.pages
    ]
    holding = {n for n, text in enumerate(texts, start=1) if "DIP switches, page" in text}
    assert holding == {count}, texts
    assert made == {n: 1 for n in range(1, count + 1)}
    assert f"DIP switches, page {_page_of('3 · DIP switches', texts)}" in texts[-1]


@pytest.mark.parametrize(
    ("spec", "lang"),
    [
        ("tests/gallery/one.yaml", "en"),  # the section on the page of its reference
        ("bank_specs/manufacturer-example.yaml", "es"),  # on a page before it
        ("tests/wrong_banks/everything_wrong.yaml", "en"),
    ],
)
def test_page_references_built_before_layout_make_weasyprints_own_pdf(
    spec: str, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sheet laid out with its page references built before their page is laid out is
    the PDF WeasyPrint makes itself, laying that page out twice, byte for byte."""
    from weasyprint.layout import page as pages

    from generator.sheet import pagerefs

    options = api.SheetOptions(allow_errors=True, lang=lang)
    source = api.read_spec(ROOT / spec)
    ours = api.build_sheet(source, options).pdf
    with monkeypatch.context() as patched:
        patched.setattr(pagerefs, "install", lambda: None)
        patched.setattr(pages, "make_page", pagerefs.OWN_MAKE_PAGE)
        own = api.build_sheet(source, options).pdf
    assert ours is not None and ours == own


REFERENCES = """<html><head><style>
@page { size: 4in 3in; margin: 0.3in; @bottom-right { content: counter(page) }; }
.new { break-before: page; }
a::after { content: target-counter(attr(href url), page); }
a.of::after { content: target-counter(attr(href url), page) " on " counter(page); }
</style></head><body>
<p>ahead: <a href="#third"></a>; here: <a href="#first"></a></p>
<h1 id="first">first</h1>
<h1 id="second" class="new">second</h1>
<p>back: <a href="#first"></a>, twice: <a href="#first"></a><a href="#second"></a>;
mixed: <a class="of" href="#first"></a></p>
<h1 id="third" class="new">third</h1>
</body></html>"""


def test_page_references_ahead_behind_and_on_their_own_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reference to a page ahead is built with its own page first and laid out again once
    the number is known; one to its own page or a page behind is laid out once; a content
    that also names another counter is left to WeasyPrint, and is right too."""
    from generator.sheet.pdf import lay_out

    made = _count_layouts(monkeypatch)
    document = lay_out(REFERENCES)
    texts = [
        " ".join("".join(box.text for box in _text_boxes(page._page_box)).split())
        for page in document.pages
    ]
    assert texts[0].startswith("ahead: 3; here: 1first"), texts
    assert texts[1].startswith("secondback: 1, twice: 12; mixed: 1 on 2"), texts
    assert made == {1: 2, 2: 3, 3: 1}  # 1: "ahead" known after page 3; 2: WeasyPrint's own "mixed"


def _count_layouts(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[int]:
    """Count page layouts from now on, by page number: WeasyPrint's `make_page` as the
    renderer has it once a document was laid out."""
    from weasyprint.layout import page as pages

    from generator.sheet.pdf import lay_out

    lay_out("<p>warm</p>")
    made: collections.Counter[int] = collections.Counter()
    make_page = pages.make_page

    def counted(*args: Any) -> Any:
        made[args[4]] += 1  # the page number
        return make_page(*args)

    monkeypatch.setattr(pages, "make_page", counted)
    return made


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
    lay_out("<p>warm</p>")  # SVG text and page references drawn as for a sheet from now on
    alone = HTML(string=html, base_url=BASE_URL, url_fetcher=AssetOnlyFetcher()).render()
    expected = alone.write_pdf(pdf_identifier=b"same")
    stylesheet.cache_clear()
    for _ in range(2):
        assert lay_out(html).write_pdf(pdf_identifier=b"same") == expected
    assert stylesheet.cache_info().misses == 1


@pytest.mark.parametrize(
    ("spec", "lang", "logo"),
    [
        ("bank_specs/manufacturer-example.yaml", "en", False),
        ("tests/wrong_banks/everything_wrong.yaml", "es", True),  # a company block and logo
    ],
)
def test_boxes_with_no_background_skip_weasyprints_background_layout(
    spec: str, lang: str, logo: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint's background layout sees only the boxes that have something to paint (a
    colour, an image, a shadow) and the pages, not the sheet's 1,300 others; the PDF is the
    one WeasyPrint makes walking them all, byte for byte."""
    from weasyprint.layout import background as weasy_background

    from generator.company import Company
    from generator.sheet import backgrounds
    from generator.sheet.images import data_url
    from tests.test_sales import PNG_1X1

    company = Company(
        "Lone Star Solar Works LLC",
        "100 Congress Avenue",
        logo_url=data_url("image/png", PNG_1X1) if logo else None,
    )
    options = api.SheetOptions(allow_errors=True, lang=lang, company=company)
    source = api.read_spec(ROOT / spec)
    own = backgrounds.OWN_LAYOUT_BOX_BACKGROUNDS
    seen: list[Any] = []

    def counted(page: Any, box: Any, *args: Any) -> Any:
        seen.append(box)
        return own(page, box, *args)

    from generator.sheet.pdf import lay_out

    lay_out("<p>warm</p>")  # installs it, as for a sheet
    with monkeypatch.context() as patched:
        patched.setattr(backgrounds, "OWN_LAYOUT_BOX_BACKGROUNDS", counted)
        ours = api.build_sheet(source, options).pdf
    pages = [box for box in seen if type(box).__name__ == "PageBox"]
    assert 3 <= len(pages) < len(seen) < 30 * len(pages)
    with monkeypatch.context() as patched:
        patched.setattr(backgrounds, "install", lambda: None)
        walked: list[Any] = []

        def every(page: Any, box: Any, *args: Any) -> Any:
            walked.append(box)
            return own(page, box, *args)

        patched.setattr(weasy_background, "layout_box_backgrounds", every)
        theirs = api.build_sheet(source, options).pdf
    assert len(walked) > 20 * len(seen)
    assert ours is not None and ours == theirs


def test_the_lean_user_agent_stylesheet_is_weasyprints_parsed_one_less_six_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sheet's user-agent stylesheet is taken from the one WeasyPrint parsed on import,
    not parsed again in every process (40 ms): no CSS is parsed for it, and it holds every
    rule of WeasyPrint's but the six for ::marker, ::footnote-* and ::note-*, in order."""
    from weasyprint import html as weasy_html

    from generator.sheet.pdf import lean_ua_stylesheet

    tinycss2 = importlib.import_module("tinycss2")  # what WeasyPrint parses CSS with
    parsed: list[str] = []
    parse = tinycss2.parse_stylesheet

    def counted(css: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(css)
        return parse(css, *args, **kwargs)

    monkeypatch.setattr(tinycss2, "parse_stylesheet", counted)
    lean_ua_stylesheet.cache_clear()
    lean = lean_ua_stylesheet()
    assert parsed == []
    whole = weasy_html.UA_STYLESHEET

    def entries(css: Any) -> list[Any]:
        found = []
        for value in vars(css.matcher).values():
            lists = value.values() if isinstance(value, dict) else [value]
            found += [entry for entries in lists if isinstance(entries, list) for entry in entries]
        return sorted(found, key=lambda entry: entry[2])  # by the order of the rules

    removed = [entry for entry in entries(whole) if entry not in entries(lean)]
    assert sorted(entry[3] for entry in removed) == [
        "footnote-call",
        "footnote-marker",
        "marker",
        "note-call",
        "note-callback",
        "note-marker",
    ]
    assert len(entries(lean)) == len(entries(whole)) - 6 > 100
    assert (lean.page_rules, lean.layers) == (whole.page_rules, whole.layers)


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
