"""The sheet view -> HTML: the Jinja environment and the fonts the stylesheet names."""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from generator import __version__
from generator.bank import i18n
from generator.bank.analysis import Analysis
from generator.bank.paper import MARGIN_BOTTOM, MARGIN_SIDE, MARGIN_TOP, PAPERS
from generator.bank.paper import paper as paper_named
from generator.company import Company
from generator.sheet import assets
from generator.sheet.figures.cache import private_cache_dir, read_entry, store
from generator.sheet.figures.qr import QrView, qr_view
from generator.sheet.images import data_url
from generator.sheet.title import JOB_LABEL_W, JOB_SIZE
from generator.sheet.view import SheetView, sheet_view


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


STATE = re.compile(r"\b\d+ (?:ON|OFF)\b")
RANGE = re.compile(r"\b\d+–\d+\b")  # a pair of positions, "10–11"
SECTION = re.compile(r"\b(\d) · (?=\w)")  # a section's number: "2 · Firmware"
# Words a line may not break inside (issue 18, point 7): an EG4 model name ("LL-" / "S",
# "(4" / "DIP)"), a version number, an ID or a range of IDs ("ID 1–" / "64"), an ISO date
# ("2026-12-" / "06"), a page ("page" / "4").
WHOLE = re.compile(
    r"\bLL-[A-Z0-9]+(?: \(\d DIP\))?|\(\d DIP\)|\b[A-Z]\d+(?:\.\d+)+\b"
    r"|\bIDs? \d+(?:–\d+)?\b|\b\d{4}-\d{2}-\d{2}\b|\b(?i:pages?|páginas?) \d+(?:–\d+)?\b"
)
# A serial as the sentences give it ("(serial LV2-4-2207-0156)", "(n.º de serie …)"), not
# broken after one of its hyphens; one too long for a line may still break.
# A token a line could break only at its spaces ("ID 64", "page 4", "V1.0", "(6 DIP)"): it is
# held together by no-break spaces, where any other takes a no-break span. A span is an inline
# box of its own, which costs the layout far more than a character (63 spans were about 4 % of
# the 16-battery sheet's render).
SPACED = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ.() ]+")
NBSP = "\u00a0"
SERIAL = re.compile(r"(?:(?<=\(serial )|(?<=\(n\.º de serie ))[^\s()<>]{1,32}(?=\))")


@cache
def _names(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """The catalog's model names, longest first, as one pattern."""
    ordered = sorted((name for name in names if " " in name or "-" in name), key=len, reverse=True)
    return (
        re.compile("|".join(rf"\b{re.escape(name)}(?!\w)" for name in ordered)) if ordered else None
    )


def keep_states(text: str, names: tuple[str, ...] = ()) -> Markup:
    """Text, escaped, with each switch state ("6 ON") kept on one line (a no-break space),
    each pair of positions ("10–11"), serial, model name ("LL-V2 (4 DIP)", and any name in
    `names`, the catalog's), ID, date and page too (the line may not break after a dash or
    at their spaces: a no-break span, or no-break spaces where spaces are its only breaks),
    and a section's number with its name ("2 · Firmware")."""
    kept = STATE.sub(lambda m: m.group(0).replace(" ", "\u00a0"), escape(text))
    kept = SECTION.sub(lambda m: f"{m.group(1)}\u00a0·\u00a0", kept)
    whole = _names(names)
    spans: list[tuple[int, int]] = []
    for pattern in (SERIAL, whole, WHOLE, RANGE):
        if pattern is None:
            continue
        for match in pattern.finditer(kept):
            if not any(start < match.end() and match.start() < end for start, end in spans):
                spans.append(match.span())
    for start, end in sorted(spans, reverse=True):
        token = kept[start:end]
        if SPACED.fullmatch(token):  # its spaces are its only breaks: no box needed
            kept = Markup(f"{kept[:start]}{token.replace(' ', NBSP)}{kept[end:]}")
        else:
            kept = Markup(f'{kept[:start]}<span class="nobr">{token}</span>{kept[end:]}')
    return Markup(kept)


@jinja2.pass_context
def _keep_whole(context: jinja2.runtime.Context, text: str) -> Markup:
    """The `states` filter: keep_states with the sheet's model names."""
    sheet = context.get("sheet")
    return keep_states(text, getattr(sheet, "names", ()))


@dataclass(frozen=True)
class Cell:
    """A table cell's text, and whether the cell itself keeps it on one line (class nobr):
    when the whole text is one token that may not break, the cell holds it whole and the
    renderer is spared a box for it."""

    text: Markup
    nobr: bool


WHOLE_SPAN = re.compile(r'<span class="nobr">([^<]*)</span>')


@jinja2.pass_context
def _cell(context: jinja2.runtime.Context, text: str) -> Cell:
    """The `cell` filter: `states`, its span moved to the cell when it spans the whole text."""
    kept = _keep_whole(context, text)
    whole = WHOLE_SPAN.fullmatch(kept)
    return Cell(Markup(whole[1]), True) if whole else Cell(kept, False)


class CompiledTemplates(jinja2.BytecodeCache):
    """The sheet's templates, compiled, kept in the private drawing cache: compiling them
    costs a fresh process about 60 ms of a 1.7 s build.

    Jinja keeps an entry only while its template's source, Jinja and Python are the same (it
    compiles again otherwise); the entry's name also covers the environment's options,
    which shape the compiled code but which Jinja does not check. An entry is code, so it
    is read only from the private folder and only when this user owns it and no one else
    can write to it, as drawings are; a broken entry means compiling again, never a failed
    sheet."""

    def __init__(self, options: str) -> None:
        self.options = options

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self._path(bucket)
        data = read_entry(path) if path else None
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)
        except Exception:  # a damaged entry: any error of pickle or marshal
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self._path(bucket)
        if path is not None:
            with contextlib.suppress(OSError):
                store(path, bucket.bytecode_to_string())

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path | None:
        folder = private_cache_dir()
        if folder is None:
            return None
        key = hashlib.sha256(f"{self.options}|{bucket.key}".encode()).hexdigest()
        return folder / f"template-{key[:24]}.bin"


@cache
def environment(lang: str = "en") -> jinja2.Environment:
    """Autoescaped, strict: a missing value fails loudly instead of printing nothing. One
    environment per language, its gettext callables installed once (jinja2.ext.i18n), so
    sheets in different languages can render side by side."""
    options: dict[str, Any] = {
        "autoescape": True,
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "extensions": ["jinja2.ext.i18n"],
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(assets.templates_dir()),
        bytecode_cache=CompiledTemplates(f"{__version__}|{sorted(options.items())}"),
        **options,
    )
    env.filters["states"] = _keep_whole
    env.filters["cell"] = _cell
    words = i18n.translations(lang)
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the extension
        words.gettext, words.ngettext, newstyle=True
    )
    return env


@dataclass(frozen=True)
class Prepared:
    """A sheet drawn and worded, ready to be written as HTML with any page references."""

    sheet: SheetView
    analysis: Analysis
    page_size: str
    company: Company
    fonts: FontUrls
    qr: QrView
    lang: str = "en"

    def html(self) -> str:
        """The whole sheet as one HTML document (CSS inline, figures as data: URLs); page
        references are the layout's own numbers (CSS target-counter)."""
        template = environment(self.lang).get_template("sheet.html")
        return template.render(
            lang=self.lang,
            company=self.company,
            sheet=self.sheet,
            job=self.analysis.plan.job,
            page_size=self.page_size,
            margins={"top": MARGIN_TOP, "bottom": MARGIN_BOTTOM, "side": MARGIN_SIDE},
            job_block={"label": JOB_LABEL_W, "size": JOB_SIZE},
            fonts=self.fonts,
            footer=self.sheet.footer,
            qr=self.qr,
        )


def prepare(
    analysis: Analysis,
    spec_name: str,
    *,
    paper: str | None = None,
    fonts: FontUrls | None = None,
    company: Company | None = None,
    lang: str = "en",
) -> Prepared:
    """The sheet worded in `lang` (every `_()` under the view reads it) and drawn."""
    paper = paper if paper in PAPERS else analysis.plan.paper
    with i18n.language(lang):
        qr = qr_view(analysis, paper)
        view = sheet_view(analysis, spec_name, paper, company, beside_title=qr.box_mm / 25.4)
    return Prepared(
        view,
        analysis,
        paper_named(paper).css,
        company or Company(),
        fonts or file_font_urls(),
        qr,
        lang,
    )


def render_html(
    analysis: Analysis,
    spec_name: str,
    *,
    paper: str | None = None,
    fonts: FontUrls | None = None,
    company: Company | None = None,
    lang: str = "en",
) -> str:
    """The whole sheet as one HTML document, laid out once as it is."""
    prepared = prepare(analysis, spec_name, paper=paper, fonts=fonts, company=company, lang=lang)
    return prepared.html()
