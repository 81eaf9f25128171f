"""Read the bank spec back out of a sheet's PDF."""

from __future__ import annotations

import io
from pathlib import Path

from generator.bank.yamlsrc import read_source
from generator.errors import SheetError, UserError


def extract_spec(data: bytes, name: str) -> tuple[str, bytes]:
    """The name and bytes of the spec attached to an eg4sheet PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        attachments = PdfReader(io.BytesIO(data)).attachments
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise SheetError(f"{name}: not a readable PDF ({error})") from None
    specs = [
        (attached, contents[0])
        for attached, contents in attachments.items()
        if contents and attached.lower().endswith((".yaml", ".yml"))
    ]
    if not specs:
        raise SheetError(f"{name}: no bank spec is attached (was it made by eg4sheet?)")
    return specs[0]


def read_sheet(sheet: Path) -> bytes:
    """A PDF can be larger than a spec, so this reads without the spec's size bound."""
    if sheet.is_file():
        try:
            return sheet.read_bytes()
        except OSError as error:
            raise UserError(f"{sheet}: cannot be read ({error.strerror})") from None
    read_source(sheet)  # raises the same clear errors as for specs (missing, a directory)
    raise UserError(f"{sheet}: cannot be read")
