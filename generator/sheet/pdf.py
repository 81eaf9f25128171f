"""HTML -> PDF with WeasyPrint: only our own assets are fetched; output is reproducible."""

from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from generator.sheet import libraries  # noqa: F401  (before WeasyPrint: see there)

# isort: split
from weasyprint import CSS, HTML, Attachment
from weasyprint import html as weasy_html
from weasyprint.css.counters import CounterStyle
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from generator.fixed import FIXED_DATE
from generator.sheet import assets, backgrounds, pagerefs, svgtext

# The attachment's dates are the fixed date (the fontTools subsetter's: fixed.py). Nothing is
# set on import, and WeasyPrint's own warnings are heard (the tests fail on any).


BASE_URL = assets.ASSETS.as_uri() + "/"


class AssetOnlyFetcher(URLFetcher):  # type: ignore[misc]
    """Serves data: URLs (our figures) and files inside the package's assets; refuses the rest.

    Spec content never becomes markup, so this is the second wall: even a URL that got into
    the HTML could not read a local file or reach the network.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if path.is_relative_to(assets.ASSETS):
                return super().fetch(url, headers)
        raise ValueError(f"eg4sheet fetches only its own assets, not {url[:60]!r}")


def render_pdf(html: str, spec_name: str, spec_source: bytes) -> bytes:
    """The PDF bytes for the sheet, with the spec that made it attached."""
    return write_pdf(lay_out(html), spec_name, spec_source)


STYLE = re.compile(r"<style>(.*?)</style>", re.S)  # the sheet's one stylesheet (base.html)


@dataclass(frozen=True)
class Stylesheet:
    """The sheet's stylesheet parsed, with the fonts its @font-face rules load and the counter
    styles it defines: a document laid out with it must use these."""

    css: CSS
    fonts: FontConfiguration
    counters: CounterStyle


@lru_cache(maxsize=8)
def stylesheet(text: str) -> Stylesheet:
    """Parsed once per process: it differs between sheets only by paper, language and the
    footer's alarm, and parsing it took about 4 % of a sheet's layout."""
    fonts, counters = FontConfiguration(), CounterStyle()
    css = CSS(
        string=text,
        base_url=BASE_URL,
        url_fetcher=AssetOnlyFetcher(),
        font_config=fonts,
        counter_style=counters,
    )
    return Stylesheet(css, fonts, counters)


# WeasyPrint's own user-agent stylesheet gives every element of a document six
# pseudo-elements (::marker, and the ::footnote-* and ::note-* of footnotes and notes), and
# the cascade computes a style for each: about 2,400 of the 2,700 styles of a two-battery
# sheet, 5 % of its layout. The sheet has no footnote and no note, and its lists show no
# marker (list-style: none), so it is laid out with that stylesheet less those six rules
# (test_layout_cost: the same PDF, byte for byte).
UNUSED_UA_PSEUDO_ELEMENTS = frozenset(
    {"marker", "footnote-call", "footnote-marker", "note-call", "note-marker", "note-callback"}
)


@lru_cache(maxsize=1)
def lean_ua_stylesheet() -> CSS:
    """WeasyPrint's user-agent stylesheet less the six rules the sheet never uses, taken from
    the one WeasyPrint parsed on import (parsing its text again took 40 ms a process); the
    whole of it, should a WeasyPrint release have other rules for those pseudo-elements."""
    whole = weasy_html.UA_STYLESHEET
    matcher = copy.copy(whole.matcher)  # cssselect2's: its rules filed in lists and dicts
    removed = 0
    for name, value in vars(whole.matcher).items():
        if isinstance(value, list):
            kept = _used(value)
            removed += len(value) - len(kept)
            setattr(matcher, name, kept)
        elif isinstance(value, dict):
            lists = {key: _used(entries) for key, entries in value.items()}
            removed += sum(len(value[key]) - len(entries) for key, entries in lists.items())
            setattr(matcher, name, lists)
    if removed != len(UNUSED_UA_PSEUDO_ELEMENTS):
        return whole
    lean = copy.copy(whole)
    lean.matcher = matcher
    return lean


def _used(entries: list[Any]) -> list[Any]:
    """A matcher's entries (test, specificity, order, pseudo-element, declarations) less
    those for the unused pseudo-elements; the others keep their order."""
    return [entry for entry in entries if entry[3] not in UNUSED_UA_PSEUDO_ELEMENTS]


class SheetHTML(HTML):  # type: ignore[misc]
    """A sheet's HTML: laid out with `lean_ua_stylesheet` (and WeasyPrint's form
    stylesheet, were forms asked for)."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [lean_ua_stylesheet(), *super()._ua_stylesheets(forms)[1:]]


def lay_out(html: str) -> Document:
    """The HTML laid out in pages (what takes the time); nothing written yet. Its stylesheet
    is given to WeasyPrint parsed (see `stylesheet`); nothing else in the sheet's HTML
    competes with it (only `style` attributes, which win either way), so the pages are the
    ones the HTML alone makes. SVG text is drawn a run at a time (svgtext), and a page
    holding page references is laid out once (pagerefs); a box with no background skips
    WeasyPrint's background layout (backgrounds)."""
    svgtext.install()
    pagerefs.install()
    backgrounds.install()
    fetcher = AssetOnlyFetcher()
    found = STYLE.search(html)
    if found is None:
        return SheetHTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render()
    style = stylesheet(found.group(1))
    rest = html[: found.start()] + html[found.end() :]
    return SheetHTML(string=rest, base_url=BASE_URL, url_fetcher=fetcher).render(
        stylesheets=[style.css], font_config=style.fonts, counter_style=style.counters
    )


def write_pdf(document: Document, spec_name: str, spec_source: bytes) -> bytes:
    """A laid-out sheet as PDF bytes, with the spec that made it attached."""
    svgtext.install()
    fetcher = AssetOnlyFetcher()
    attachment = Attachment(
        file_obj=io.BytesIO(spec_source),
        name=Path(spec_name).name,
        description="eg4sheet bank spec (eg4sheet extract writes it back out)",
        created=FIXED_DATE,
        modified=FIXED_DATE,
        relationship="Source",
        url_fetcher=fetcher,
    )
    pdf = document.write_pdf(attachments=[attachment], pdf_identifier=b"eg4sheet-install-sheet")
    assert isinstance(pdf, bytes)
    return pdf
