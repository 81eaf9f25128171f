"""Every word of a built PDF with its box, from one `pdftotext -bbox` call, in lines."""

from __future__ import annotations

import html
import itertools
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
WORD = re.compile(
    r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>'
)
EM_HEIGHT = 1.24  # pdftotext's word box is the font's ascent + descent: 1.24 em for our font


@dataclass(frozen=True)
class Word:
    x0: float  # points from the page's top left
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def size(self) -> float:
        """The font size the word is set in, in points."""
        return (self.y1 - self.y0) / EM_HEIGHT

    @property
    def middle(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def top(self) -> float:
        return min(word.y0 for word in self.words)


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        """The words in reading order, as pdftotext reads the page (columns one by one)."""
        return " ".join(word.text for word in self.words)

    def cell(self, label: str, right: float) -> str:
        """The text under a title-block label, up to `right` points: its lines in order."""
        head = next(word for word in self.words if word.text == label)
        below = [
            w
            for w in self.words
            if head.x0 - 0.5 <= w.x0 < right and head.y1 <= w.y0 < head.y1 + 30
        ]
        return " ".join(w.text for w in sorted(below, key=lambda w: (round(w.middle), w.x0)))

    def lines(self, top: float = 0, bottom: float | None = None) -> list[Line]:
        """Words whose middles are within 2.5 pt of each other make a line, top to bottom."""
        bottom = self.height if bottom is None else bottom
        words = sorted(
            (w for w in self.words if top <= w.middle <= bottom), key=lambda w: (w.middle, w.x0)
        )
        lines: list[list[Word]] = []
        for word in words:
            if lines and abs(word.middle - lines[-1][0].middle) <= 2.5:
                lines[-1].append(word)
            else:
                lines.append([word])
        return [Line(tuple(sorted(line, key=lambda w: w.x0))) for line in lines]

    def band(self, top: float, bottom: float) -> str:
        return " ".join(line.text for line in self.lines(top, bottom))


def pdf_pages(pdf: bytes) -> list[Page]:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext is missing: run the tests with ./dev test, which installs it")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.pdf"
        path.write_bytes(pdf)
        command = ["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return [
        Page(
            float(width),
            float(height),
            tuple(
                Word(float(x0), float(y0), float(x1), float(y1), html.unescape(text))
                for x0, y0, x1, y1, text in WORD.findall(body)
            ),
        )
        for width, height, body in PAGE.findall(out)
    ]


BLOCK = re.compile(r"<block [^>]*>(.*?)</block>", re.S)
LINE = re.compile(
    r'<line xMin="[\d.-]+" yMin="([\d.-]+)" xMax="[\d.-]+" yMax="([\d.-]+)">(.*?)</line>', re.S
)
WORD_TEXT = re.compile(r"<word [^>]*>(.*?)</word>")


def line_breaks(pdf: bytes) -> list[list[tuple[str, str]]]:
    """Per page, each line that runs on to the next one below it (pdftotext's blocks): the
    pairs of texts, where a word broken over two lines would show."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.pdf"
        path.write_bytes(pdf)
        command = ["pdftotext", "-bbox-layout", "-enc", "UTF-8", str(path), "-"]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    pages = []
    for _width, _height, body in PAGE.findall(out):
        pairs = []
        for block in BLOCK.findall(body):
            lines = [
                (float(top), float(bottom), " ".join(map(html.unescape, WORD_TEXT.findall(text))))
                for top, bottom, text in LINE.findall(block)
            ]
            for (_top, bottom, upper), (top, _bottom, lower) in itertools.pairwise(lines):
                if top >= bottom - 1:  # the next line starts below this one
                    pairs.append((upper, lower))
        pages.append(pairs)
    return pages


def broken(pairs: list[tuple[str, str]], token: re.Pattern[str]) -> list[str]:
    """The tokens (matches of `token`) that a line break splits in two: at a space, or after
    a dash at the end of a line."""
    found = []
    for upper, lower in pairs:
        for joint in (" ", "") if upper.endswith(("-", "–", "/")) else (" ",):
            joined = upper + joint + lower
            for match in token.finditer(joined):
                head = joined[match.start() : len(upper)]
                if match.start() < len(upper) < match.end() - len(joint) and not token.fullmatch(
                    head
                ):
                    found.append(f"{head!r} / {joined[len(upper) + len(joint) : match.end()]!r}")
    return found
