"""The paper a sheet is printed on and the page's margins: the one home of both.

The spec's `paper:`, `build --paper`, the server's `paper=`, the view's content area and the
stylesheet's @page rule (rendered from these values) all read them here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paper:
    css: str  # the CSS @page size keyword
    width: float  # inches
    height: float


PAPERS = {"letter": Paper("letter", 8.5, 11.0), "a4": Paper("A4", 8.27, 11.69)}
DEFAULT_PAPER = "letter"
# The page's margins in inches. The top one holds the title block and the QR code beside it
# (38 mm: the code's first dark row at least 5 mm below the paper's edge, qrcode.css).
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_SIDE = 38 / 25.4, 0.6, 0.55


def paper(name: str | None) -> Paper:
    """The paper of that name, else the default one."""
    return PAPERS.get(name or DEFAULT_PAPER, PAPERS[DEFAULT_PAPER])


def content_size(name: str | None) -> tuple[float, float]:
    """Width and height of the page's content area in inches."""
    sheet = paper(name)
    return sheet.width - 2 * MARGIN_SIDE, sheet.height - MARGIN_TOP - MARGIN_BOTTOM
