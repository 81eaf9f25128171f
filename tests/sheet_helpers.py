"""Helpers for tests that read what is really inside a built PDF."""

from __future__ import annotations

import io

from pypdf import PdfReader


def page_texts(pdf: bytes) -> list[str]:
    """The text of each page, whitespace folded to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]
