"""Figures as the sheet embeds them: SVG or raster bytes as data: URLs, with their size."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from generator.sheet.figures.rack import Drawing


@dataclass(frozen=True)
class Figure:
    url: str  # a data: URL
    width: float  # inches, as printed
    height: float


def data_url(mime: str, content: bytes | str) -> str:
    raw = content.encode() if isinstance(content, str) else content
    return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def svg_url(svg: str) -> str:
    return data_url("image/svg+xml", svg)


def figure(drawing: Drawing) -> Figure:
    return Figure(svg_url(drawing.svg), drawing.width, drawing.height)
