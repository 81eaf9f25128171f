"""The sheet view -> HTML: the Jinja environment and the fonts the stylesheet names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from generator.bank.analysis import Analysis
from generator.company import Company
from generator.sheet import assets
from generator.sheet.figures.qr import qr_view
from generator.sheet.view import data_url, sheet_view

PAGE_SIZES = {"letter": "letter", "a4": "A4"}


@dataclass(frozen=True)
class FontUrls:
    regular: str
    bold: str


def file_font_urls() -> FontUrls:
    return FontUrls(*(path.as_uri() for path in _fonts()))


def inline_font_urls() -> FontUrls:
    """Fonts as data: URLs, for an HTML file that stands alone."""
    return FontUrls(*(data_url("font/ttf", path.read_bytes()) for path in _fonts()))


def _fonts() -> tuple[Path, Path]:
    return (
        assets.FONTS / "AtkinsonHyperlegible-Regular.ttf",
        assets.FONTS / "AtkinsonHyperlegible-Bold.ttf",
    )


@cache
def environment() -> jinja2.Environment:
    """Autoescaped, strict: a missing value fails loudly instead of printing nothing."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(assets.templates_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(
    analysis: Analysis,
    spec_name: str,
    *,
    paper: str | None = None,
    fonts: FontUrls | None = None,
    company: Company | None = None,
) -> str:
    """The whole sheet as one HTML document (CSS inline, figures as data: URLs).

    A bank that is wrong, or whose batteries are rearranged, gets an As found / Corrected
    page after the overview.
    """
    sheet = sheet_view(analysis, spec_name)
    template = environment().get_template("sheet.html")
    return template.render(
        company=company or Company(),
        sheet=sheet,
        job=analysis.plan.job,
        page_size=PAGE_SIZES.get(paper or analysis.plan.paper, "letter"),
        fonts=fonts or file_font_urls(),
        footer=sheet.footer,
        qr=qr_view(analysis),
    )
