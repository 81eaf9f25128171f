"""Page references that are true: lay the sheet out, see where each section starts and ends,
and lay it out again only when a reference must change its form.

The page numbers themselves come from the layout (CSS target-counter on each section's
first and last anchor). What the HTML must know beforehand is only whether a section takes
one page ("page 3") or several ("pages 3–4"). A first guess (estimate.py) is usually right;
when it is not, the sheet is laid out once more with the forms the layout showed.

References only point back to sections laid out before them (the commissioning steps to
the DIP switches and the cables), so the renderer resolves them without laying out the
pages before them again.
"""

from __future__ import annotations

from weasyprint.document import Document

from generator.bank.analysis import Analysis
from generator.company import Company
from generator.sheet import estimate
from generator.sheet.pdf import lay_out
from generator.sheet.render import FontUrls, prepare

REFERENCED = ("dip", "cables")  # the sections the sheet refers to by page
MAX_LAYOUTS = 3


def laid_out_sheet(
    analysis: Analysis,
    spec_name: str,
    *,
    paper: str | None = None,
    fonts: FontUrls | None = None,
    company: Company | None = None,
    lang: str = "en",
) -> tuple[str, Document]:
    """The sheet's final HTML and its layout, every page reference true."""
    prepared = prepare(analysis, spec_name, paper=paper, fonts=fonts, company=company, lang=lang)
    spans = _referenced(estimate.spans(prepared.sheet))
    for _ in range(MAX_LAYOUTS):
        html = prepared.html(spans)
        document = lay_out(html)
        found = _referenced(section_spans(document))
        if found == spans:
            break
        spans = found
    return html, document


def final_html(
    analysis: Analysis, spec_name: str, *, paper: str | None = None, fonts: FontUrls | None = None
) -> str:
    """The HTML exactly as a build lays it out (for the benchmark's baselines)."""
    return laid_out_sheet(analysis, spec_name, paper=paper, fonts=fonts)[0]


def section_spans(document: Document) -> dict[str, bool]:
    """Whether each section ends on a later page than it starts."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            if anchor.startswith("sec-"):
                first.setdefault(anchor.removeprefix("sec-"), number)
            elif anchor.startswith("end-"):
                last[anchor.removeprefix("end-")] = number
    return {section: last.get(section, 0) > first.get(section, 0) for section in first}


def _referenced(spans: dict[str, bool]) -> dict[str, bool]:
    return {section: spans.get(section, False) for section in REFERENCED}
