"""Helpers for tests that read what is really inside a built PDF."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import StreamObject

from generator import api
from generator.sheet.figures import qr

Area = tuple[int, int, int, int]  # x, y, width, height in points from the page's top left
NO_PDFTOTEXT = (
    "pdftotext (poppler-utils) is missing, so the tests that read a sheet's text skip; "
    "./dev test installs it when run as root on Debian"
)


def skip_without_pdftotext() -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip(NO_PDFTOTEXT)


def page_texts(pdf: bytes, layout: bool = False, crop: Area | None = None) -> list[str]:
    """The text of each page (figures included), whitespace folded to single spaces.

    pdftotext (poppler-utils, installed by ./dev test) reads the text inside the SVG figures;
    pypdf does not descend into their nested XObjects. `layout` keeps each table row on one
    line (for rows); without it, text comes column by column (for paragraphs). `crop` reads
    only that area of each page.
    """
    skip_without_pdftotext()
    options = ["-layout"] if layout else []
    for flag, value in zip(("-x", "-y", "-W", "-H"), crop or (), strict=False):
        options += [flag, str(value)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.pdf"
        path.write_bytes(pdf)
        command = ["pdftotext", *options, "-enc", "UTF-8", str(path), "-"]
        text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


Pixels = tuple[int, int, bytes]  # a raster image: width, height, its pixels as stored


def raster_images(pdf: bytes | PdfReader) -> list[Pixels]:
    """Every raster image the PDF holds, anywhere in the file: WeasyPrint embeds each image it
    reads (the QR code, a logo, whatever a URL would fetch) as an image object, and draws the
    sheet's figures as vectors. One pass over the objects: as strict as pypdf's per-page
    `page.images`, without parsing every content stream (0.01 s against 0.12 s a sheet).
    A test that reads the PDF for more passes its reader, so the file is parsed once."""
    reader = pdf if isinstance(pdf, PdfReader) else PdfReader(io.BytesIO(pdf))
    size = reader.trailer["/Size"]
    assert isinstance(size, int)
    found: list[Pixels] = []
    for number in range(1, size):
        item = reader.get_object(number)
        if isinstance(item, StreamObject) and item.get("/Subtype") == "/Image":
            width, height = item["/Width"], item["/Height"]
            assert isinstance(width, int) and isinstance(height, int)
            found.append((width, height, item.get_data()))
    return found


def own_images(source: api.SpecSource) -> list[Pixels]:
    """The raster images a sheet of this spec is made with: its QR code, if it has one."""
    analysis = api.check(source).analysis
    code = None if analysis is None else qr.qr_view(analysis).img
    if code is None:
        return []
    with Image.open(io.BytesIO(base64.b64decode(code.split(",", 1)[1]))) as image:
        return [(image.width, image.height, image.tobytes())]
