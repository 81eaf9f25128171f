"""The top of every page, read from the built PDF: the QR code's caption stands whole beside
the code, and each title-block label stays inside its box (a Spanish label in the narrow boxes
beside a company block wraps, every word kept)."""

from __future__ import annotations

import functools
import io
import itertools
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from generator import api
from generator.bank.i18n import LANGUAGES, language
from generator.bank.i18n import _ as translate
from generator.bank.paper import content_size
from generator.company import Company
from generator.sheet.figures import qr
from tests.helpers import ROOT
from tests.sheet_words import Page, Word, pdf_pages

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in points from the page's top left
COMPANY = Company(
    "Lone Star Solar Works LLC", "100 Congress Ave, Austin TX 78701", "(512) 555-0142", "TECL 34567"
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_caption_beside_a_code_fits_one_line_on_a4(lang: str) -> None:
    """The caption has one line of room above the title block: each translation fits it at
    the floor size on the narrower paper, so none ever wraps into the title block."""
    room = content_size("a4")[0] * 25.4 - qr.BOX_MM - qr.CAPTION_GAP_MM
    with language(lang):
        for caption in qr.CAPTIONS.values():
            size, lines = qr.caption_fit(translate(caption), room)
            assert lines == (translate(caption),), (lang, caption, size)


def _sheet(spec: str, **options: Any) -> bytes:
    return _built(spec, options["lang"], options.get("paper"), options.get("company"))


@functools.cache
def _built(spec: str, lang: str, paper: str | None, company: Company | None) -> bytes:
    """The sheet, built once per spec and options in a test process (bytes: nothing can change
    it): the Spanish A4 sheet of the manufacturer's example is read by both tests below."""
    options = api.SheetOptions(allow_errors=True, lang=lang, paper=paper, company=company)
    sheet = api.build_sheet(api.read_spec(ROOT / spec), options)
    assert sheet.pdf is not None
    return sheet.pdf


def _multiply(a: list[float], b: list[float]) -> list[float]:
    """The PDF matrix a × b (a applied first)."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


def _image_boxes(pdf: bytes) -> list[Box]:
    """Where page 1 draws its raster images: the unit square of each image XObject through
    the content stream's transformation matrices."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    height = float(page.mediabox.height)
    resources = page["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    objects = resources["/XObject"].get_object()
    assert isinstance(objects, DictionaryObject)
    contents = page.get_contents()
    assert contents is not None
    matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    stack: list[list[float]] = []
    boxes = []
    for operands, operator in contents.operations:
        if operator == b"q":
            stack.append(matrix)
        elif operator == b"Q":
            matrix = stack.pop()
        elif operator == b"cm":
            matrix = _multiply([float(v) for v in operands], matrix)
        elif operator == b"Do" and _is_image(objects[operands[0]].get_object()):
            corners = [
                (
                    x * matrix[0] + y * matrix[2] + matrix[4],
                    x * matrix[1] + y * matrix[3] + matrix[5],
                )
                for x in (0, 1)
                for y in (0, 1)
            ]
            xs, ys = [x for x, _ in corners], [height - y for _, y in corners]
            boxes.append((min(xs), min(ys), max(xs), max(ys)))
    return boxes


def _is_image(item: object) -> bool:
    return isinstance(item, DictionaryObject) and item.get("/Subtype") == "/Image"


def _run(page: Page, words: list[str]) -> list[Word]:
    """The first run of page words that reads `words`, in order."""
    texts = [word.text for word in page.words]
    for start in range(len(texts) - len(words) + 1):
        if texts[start : start + len(words)] == words:
            return list(page.words[start : start + len(words)])
    raise AssertionError(f"not on page 1: {' '.join(words)!r}")


def _overlaps(word: Word, box: Box) -> bool:
    return word.x0 < box[2] and box[0] < word.x1 and word.y0 < box[3] and box[1] < word.y1


@pytest.mark.slow  # lays out sheets
@pytest.mark.parametrize(
    ("spec", "options"),
    [
        ("tests/gallery/longest_fields.yaml", {"lang": "es"}),  # the bank alone: the long one
        ("tests/gallery/longest_fields.yaml", {"lang": "es", "paper": "letter"}),
        ("tests/gallery/longest_fields.yaml", {"lang": "en", "company": COMPANY}),
        ("bank_specs/manufacturer-example.yaml", {"lang": "es", "paper": "a4"}),
    ],
)
def test_the_qr_caption_stands_whole_beside_the_code(spec: str, options: dict[str, Any]) -> None:
    """Every word of the caption on page 1, in order, on one line, inside the page's text
    area, above the title block and clear of the code's square."""
    pdf = _sheet(spec, **options)
    page = pdf_pages(pdf)[0]
    analysis = api.check(api.read_spec(ROOT / spec)).analysis
    assert analysis is not None
    with language(options["lang"]):
        view = qr.qr_view(analysis)
        caption = view.caption
    assert view.img is not None
    (code,) = _image_boxes(pdf)
    words = _run(page, caption.split())
    side = 0.55 * 72
    title_top = min(w.y0 for w in page.words if w.text == translate_label(options["lang"]))
    for word in words:
        assert not _overlaps(word, code), (word, code)
        assert side - 0.5 <= word.x0 and word.x1 <= code[0], (word, code)
        assert word.y1 <= title_top, word
    assert len({round(word.middle) for word in words}) == 1


def translate_label(lang: str) -> str:
    """The first word of the title block's first label, in capitals."""
    with language(lang):
        return translate("Battery bank install sheet").upper().split()[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("lang", "paper", "company"),
    [
        ("es", "a4", COMPANY),
        ("es", "letter", COMPANY),
        ("en", "a4", COMPANY),
        ("es", "a4", None),
        ("en", "letter", None),
    ],
)
def test_each_title_block_label_stays_in_its_box(
    lang: str, paper: str, company: Company | None
) -> None:
    """The first row's labels (title, quote, revision, date): every word there, each ending
    before the next box's label begins (its box's line is 4 pt before it)."""
    pdf = _sheet("bank_specs/manufacturer-example.yaml", lang=lang, paper=paper, company=company)
    page = pdf_pages(pdf)[0]
    with language(lang):
        labels = [
            translate(text).upper().split()
            for text in ("Battery bank install sheet", "Quote", "Revision", "Date")
        ]
    heads = [_label_words(page, words) for words in labels]
    for words, after in itertools.pairwise(heads):
        for word in words:
            assert word.x1 <= after[0].x0 - 4, (word, after[0])
    title = heads[0]
    below = [w for w in page.words if w.y0 > max(w.y1 for w in title) and w.x0 < heads[1][0].x0]
    assert below, "the title's value is under its label"


def _label_words(page: Page, words: list[str]) -> list[Word]:
    """A label's words as the page prints them: on one line, or wrapped onto a second."""
    texts = [word.text for word in page.words]
    for start in range(len(texts) - len(words) + 1):
        if texts[start : start + len(words)] == words:
            found = list(page.words[start : start + len(words)])
            if all(word.size < 7.6 for word in found):  # a label's 7 pt, not a value
                return found
    raise AssertionError(f"label not on page 1: {' '.join(words)!r}")
