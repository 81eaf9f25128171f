"""Read the bank spec back out of a sheet's PDF, or refuse: never a damaged spec.

The spec travels as an embedded file whose stored size and MD5 checksum (written by
WeasyPrint) are checked, and which must still read as a bank spec. PDF parsing runs under
pypdf's own limits, set tight: a sheet is a few hundred kB and its spec at most 1 MB, so a
decompression bomb stops early.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from pathlib import Path
from typing import Any

from generator.bank.spec import parse_spec
from generator.bank.yamlsrc import MAX_BYTES
from generator.bounded import MAX_SHEET_BYTES, read_capped
from generator.errors import SheetError

MAX_ATTACHMENTS = 100
MAX_DECODED = 5_000_000  # per stream: a sheet's largest decoded stream is far smaller
PDF_LIMITS: dict[str, Any] = {
    "maximum_declared_stream_length": MAX_SHEET_BYTES,
    "array_based_stream_maximum_output_length": MAX_DECODED,
    "lzw_maximum_output_length": MAX_DECODED,
    "run_length_maximum_output_length": MAX_DECODED,
    "zlib_maximum_output_length": MAX_DECODED,
    "zlib_maximum_recovery_input_length": 1_000_000,
    "stream_decoding_work_maximum_length": 4 * MAX_DECODED,
}


def extract_spec(data: bytes, name: str) -> tuple[str, bytes]:
    """The name and bytes of the spec attached to an eg4sheet PDF, checked against the size
    and checksum stored with it; SheetError when there is none or it is damaged."""
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError

    try:
        with apply_configuration(**PDF_LIMITS):
            found = _first_spec(PdfReader(io.BytesIO(data)))
            if found is None:
                raise SheetError(f"{name}: no bank spec is attached (was it made by eg4sheet?)")
            attached, entry = found
            size, checksum = entry.size, entry.checksum
            content = entry.content
    except SheetError:
        raise
    except LimitReachedError:
        raise SheetError(
            f"{name}: holds more data than a sheet does (a stream decodes to over "
            f"{MAX_DECODED // 1_000_000} MB); not read"
        ) from None
    except Exception:  # pypdf raises many kinds on a damaged or hostile file
        raise SheetError(f"{name}: not a readable PDF (damaged, cut short or not a PDF)") from None
    _verify(name, attached, content, size, checksum)
    return attached, content


def _first_spec(reader: Any) -> tuple[str, Any] | None:
    """The first attachment named *.yaml or *.yml (of at most MAX_ATTACHMENTS)."""
    for number, entry in enumerate(reader.attachment_list):
        if number >= MAX_ATTACHMENTS:
            break
        attached = str(entry.name)
        if attached.lower().endswith((".yaml", ".yml")):
            return attached, entry
    return None


def _verify(name: str, attached: str, content: bytes, size: object, checksum: object) -> None:
    damaged = f"{name}: the attached spec {attached!r} is damaged"
    stored = _checksum_bytes(checksum)
    if not isinstance(size, int) or stored is None:
        raise SheetError(
            f"{name}: the attached spec {attached!r} has no stored size and checksum "
            "to check it against; nothing written"
        )
    if len(content) != size:
        raise SheetError(f"{damaged}: {len(content)} bytes where {size} were stored")
    if not hmac.compare_digest(hashlib.md5(content, usedforsecurity=False).digest(), stored):
        raise SheetError(f"{damaged}: its checksum does not match")
    if size > MAX_BYTES:
        raise SheetError(f"{damaged}: {size} bytes, larger than any bank spec")
    spec, findings = parse_spec(content, attached)
    if spec is None:
        reason = findings[0].message if findings else "not a bank spec"
        raise SheetError(f"{name}: the attached file {attached!r} is not a bank spec ({reason})")


def _checksum_bytes(checksum: object) -> bytes | None:
    """The 16 bytes of an MD5 checksum as pypdf returns it (bytes, or text it decoded)."""
    original = getattr(checksum, "get_original_bytes", None)
    value = original() if callable(original) else checksum
    return bytes(value) if isinstance(value, bytes) and len(value) == 16 else None


def read_sheet(sheet: Path) -> bytes:
    """A sheet file's bytes: a regular file of at most MAX_SHEET_BYTES."""
    return read_capped(sheet, MAX_SHEET_BYTES, "sheet file")
