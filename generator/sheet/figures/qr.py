"""The QR code on every page: the bank spec as a payload (generator.bank.payload), drawn by
segno as a grey PNG of a fixed printed size, 4 pixels a module, never smoothed.

An image, not an SVG path: the PDF holds it once and every page shows that one copy, where
WeasyPrint would draw a path of some 800 segments again on each page (about 4 % of a sheet's
render). Printed, each module is still a sharp square: the image is not interpolated
(`image-rendering: pixelated`, qrcode.css), and a printer, a scanner's 150 dpi or a screen
scales whole pixels up or down.

The size is set by the scan it must survive: a grey 150-dpi scan, a few degrees crooked,
slightly blurred, saved as a JPEG. That reads reliably from 0.45 mm a module (2.7 pixels).
The drawing is a square of fixed size with the code's quiet zone (4 modules of white all
round) inside it, so nothing else on the page can come closer: the largest code allowed,
version 13 (69 + 8 modules), fills it at 0.45 mm a module, and smaller codes get larger
modules in the same square. A spec that does not fit carries the bank alone (no job
fields: they stand in full on the sheet); a bank too large even for that gets no code,
and the sheet says so.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno

from generator.bank.analysis import Analysis
from generator.bank.i18n import N_, _
from generator.bank.paper import content_size
from generator.bank.payload import Scope, encode
from generator.sheet import fit
from generator.sheet.figures import qrmask
from generator.sheet.images import data_url

MIN_MODULE_MM = 0.45
MAX_VERSION = 13  # 17 + 4 * 13 = 69 modules
QUIET = 4  # modules of white on each side, as the QR standard asks
BOX_MM = 34.7  # the printed square, quiet zone included: (69 + 8) * 0.45 mm = 34.65 mm
SHAPE_CODES = {"E001", "E002", "E003", "E004"}  # the spec was not read in full
SCALE = 4  # pixels a module in the image: a screen or a 150 dpi scan shrinks it, never blurs it
GREY = bytes([255] + [0] * 255)  # a module's grey: white where it is light (0), else black
# The caption above the title block, left of the code: one line (the title block is 4.6 mm
# below the code's top), at the largest size that fits the width beside the code; the floor
# is the sheet's smallest text. Every translation fits one line at the floor on A4
# (tests/test_page_top.py); one that did not would wrap, whole, rather than run under the code.
CAPTION_SIZES = (7.5, 7.0)
CAPTION_GAP_MM = 1.0  # between the caption's end and the code's square

CAPTIONS = {
    Scope.FULL: N_("Scan to reload this bank in eg4sheet"),
    # The job fields did not fit in the code; they stand in full on the sheet (the title
    # block, or page 1's job block where the title block cuts one short).
    Scope.BANK: N_(
        "Scan to reload this bank in eg4sheet (the bank alone: copy the job fields from this sheet)"
    ),
}
TOO_LARGE = N_(
    "No QR code: this bank is too large for one. eg4sheet extract reads it from the PDF."
)
UNREADABLE = N_(
    "No QR code: the spec has errors in its form. eg4sheet extract reads it from the PDF."
)


@dataclass(frozen=True)
class QrView:
    img: str | None  # data: URL of the PNG; None when the sheet carries no code
    caption: str
    scope: Scope | None
    version: int  # 0 without a code
    module_mm: float  # printed size of one module
    box_mm: float = BOX_MM  # the square it is drawn in (qrcode.css)
    caption_lines: tuple[str, ...] = ()  # the caption beside a code, fitted to its width
    caption_size: float = CAPTION_SIZES[0]  # points
    caption_mm: float = 120.0  # the caption's width: the page's, less the code's square

    @property
    def caption_right_mm(self) -> float:
        """How far the caption ends from the right of the page's text area."""
        return round(self.box_mm + CAPTION_GAP_MM, 2)

    @property
    def symbol_mm(self) -> float:
        """The printed width of the code itself, quiet zone left out."""
        return round(self.module_mm * (17 + 4 * self.version), 1) if self.version else 0.0


def qr_view(analysis: Analysis, paper: str | None = None) -> QrView:
    """The code for this spec's sheet: the whole spec if it fits, else the bank alone; its
    caption fitted to the width beside it on that paper (the spec's own by default)."""
    qrmask.install()
    room_mm = content_size(paper or analysis.plan.paper)[0] * 25.4 - BOX_MM - CAPTION_GAP_MM
    if any(finding.code in SHAPE_CODES for finding in analysis.findings):
        return QrView(None, _(UNREADABLE), None, 0, 0.0)
    for scope in Scope:
        text = encode(analysis.spec, analysis.plan.catalog, scope)
        try:  # a higher error level where it fits in the same size
            code = segno.make(text, error="L", boost_error=True, micro=False)
        except segno.DataOverflowError:  # beyond the largest QR code of all
            continue
        version = code.version
        assert isinstance(version, int)  # a Micro QR code's version would be 'M1'...'M4'
        if version <= MAX_VERSION:
            caption = _(CAPTIONS[scope])
            size, lines = caption_fit(caption, room_mm)
            return QrView(
                _png_url(code),
                caption,
                scope,
                version,
                _module(code),
                caption_lines=lines,
                caption_size=size,
                caption_mm=round(room_mm, 2),
            )
    return QrView(None, _(TOO_LARGE), None, 0, 0.0)


def caption_fit(caption: str, room_mm: float) -> tuple[float, tuple[str, ...]]:
    """The caption's size and lines: one line at the largest size that fits `room_mm`, else
    wrapped at the floor size, every word kept."""
    room = room_mm / 25.4 * 72
    for size in CAPTION_SIZES:
        if fit.width(caption, size) <= room:
            return size, (caption,)
    return CAPTION_SIZES[-1], tuple(fit.wrap(caption, room, CAPTION_SIZES[-1]))


def _module(code: segno.QRCode) -> float:
    return round(BOX_MM / code.symbol_size(border=QUIET)[0], 3)


def _png_url(code: segno.QRCode) -> str:
    """The code and its quiet zone as an 8-bit grey PNG (a 1-bit one WeasyPrint would turn
    into colour and encode again on every build)."""
    from PIL import Image

    quiet = b"\xff" * QUIET
    white = b"\xff" * (len(code.matrix[0]) + 2 * QUIET)
    rows = [
        *[white] * QUIET,
        *[quiet + bytes(row).translate(GREY) + quiet for row in code.matrix],
        *[white] * QUIET,
    ]
    image = Image.frombytes("L", (len(white), len(rows)), b"".join(rows))
    image = image.resize((image.width * SCALE, image.height * SCALE), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, "PNG")  # not optimize=True: 2.5 ms a sheet for some 150 bytes
    return data_url("image/png", out.getvalue())
