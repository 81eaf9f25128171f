"""The bank spec in a QR code: spec -> payload text, payload text -> canonical spec YAML.

Format 1 is `EG4S1:` followed by base45 (RFC 9285) of zlib-compressed text. Base45 uses
exactly the QR alphanumeric alphabet, so the whole payload is coded at 5.5 bits a
character, and it stays plain text when a phone's scanner app copies it into an email.
zlib's Adler-32 catches a damaged payload; the number after `EG4S` tells a later release
which format it reads, so old sheets stay readable. The preset dictionary below is part of
format 1 and must never change (a new dictionary is a new format number).

The text is one line per field, columns of the battery list side by side (a column of
serials compresses far better than battery records would), fields split by tabs:

    full | bank           what the code carries: the whole spec, or the bank alone
    job                   title, customer, site, installer, quote, revision, date, notes,
                          lang (JOB_FIELDS: fixed for format 1)
    paper                 letter | a4
    inverter
    models                one per entry of the spec's list, as the catalog names them
    serials
    firmware              installed now
    ids                   the ID given, as its difference from the entry's position
    counts                the entry's `count` (empty: 1)
    cables                - (not listed) or per cable "position step,span,pins", e.g.
                          "1,1,78": one further down than the last cable, to the next one

Empty means not given; a given empty text is written `\\0`; `\\`, tab and line breaks in a
text are escaped with a backslash.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from generator.bank.catalog import Catalog
from generator.bank.names import identify
from generator.bank.spec import BankSpec, BatteryEntry, parse_spec
from generator.bank.yamlsrc import dump_spec
from generator.errors import SheetError

# The job fields format 1 carries, in this order. A job key added to the spec later needs a
# new format number (a test holds the spec's job keys to this list).
JOB_FIELDS = (
    "title",
    "customer",
    "site",
    "installer",
    "quote",
    "revision",
    "date",
    "notes",
    "lang",
)

PREFIX = "EG4S"
FORMAT = 1
MAX_TEXT = 8_000  # a QR code holds at most 4,296 alphanumeric characters
MAX_BODY = 64_000  # decompressed; a 64-battery spec with every field filled is under 10 kB
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
# Strings that recur in specs, so that even a short spec compresses (format 1, fixed).
DICTIONARY = (
    b"Solar Power Energy Electric LLC Inc. Co. Corp residence, bank A B "
    b"Rd, St, Dr, Ave, Blvd, Ln, Hwy Suite north south east west wall garage Rack in the "
    b"inverter battery batteries existing new kept replaced "
    b"EG4 18kPV 12kPV 6000XP FlexBOSS21 GridBOSS Q-2026-\t2026-\n"
    b"letter\na4\n\t\t\t\t\t\t\t\t\n"
    b"LifePower4\tLL-V1\tLL-V2 (4 DIP)\tLL-V2 (6 DIP)\tLL-S\tLL-S\t"
    b"V2.16\tV3.37\tV15P15\tZ01T16\tZ02T12\tZ02T12\t0\t0\t0\t0\t"
    b"1,1,12345678\t1,1,78\t1,1,78\t1,1,12345678\t1,1,12345678\t"
)


class Scope(StrEnum):
    FULL = "full"  # the whole spec
    BANK = "bank"  # the bank alone: no job fields (they did not fit)


class PayloadError(SheetError):
    """A code that is not ours, from a newer format, or damaged."""


@dataclass(frozen=True)
class Decoded:
    spec: bytes  # canonical spec YAML
    scope: Scope


def encode(spec: BankSpec, catalog: Catalog, scope: Scope = Scope.FULL) -> str:
    """The payload of a spec that was read without shape errors (E001-E004)."""
    entries = _entries(spec)
    job = [getattr(spec.job, key) for key in JOB_FIELDS] if scope is Scope.FULL else []
    lines = [
        scope.value,
        _row(job),
        spec.paper,
        _text(spec.inverter),
        _row(_model_name(entry, catalog) for entry in entries),
        _row(entry.serial for entry in entries),
        _row(entry.firmware for entry in entries),
        _row(None if e.id is None else str(e.id - e.position) for e in entries),
        _row(None if n == 1 else str(n) for n in _counts(spec)),
        _cables(spec),
    ]
    body = "\n".join(lines).encode()
    packer = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, DICTIONARY)
    return f"{PREFIX}{FORMAT}:{b45encode(packer.compress(body) + packer.flush())}"


def decode(text: str) -> Decoded:
    """The canonical spec a payload carries; PayloadError for anything else."""
    text = text.strip()
    match = re.fullmatch(rf"{PREFIX}(\d{{1,3}}):(.*)", text[: MAX_TEXT + 10], re.DOTALL)
    if match is None:
        raise PayloadError("the QR code is not an eg4sheet code")
    if int(match[1]) != FORMAT:
        raise PayloadError(
            f"the QR code is in format {int(match[1])}; this eg4sheet reads format {FORMAT}: "
            "update eg4sheet, or extract the spec from the sheet's PDF"
        )
    if len(text) > MAX_TEXT:
        raise _damaged("it is far longer than any eg4sheet code")
    try:
        packed = b45decode(match[2])
    except ValueError:
        raise _damaged("it holds characters that base45 does not use") from None
    try:
        body = _inflate(packed).decode("utf-8")
    except (ValueError, zlib.error) as error:  # UnicodeDecodeError is a ValueError
        raise _damaged(f"its data does not unpack: {error}") from None
    try:
        scope, fields = _fields(body)
        spec = _canonical_yaml(fields, scope)
    except ValueError as error:
        raise _damaged(f"the spec in it does not read: {error}") from None
    return Decoded(spec, scope)


def _damaged(reason: str) -> PayloadError:
    return PayloadError(f"the eg4sheet QR code is damaged ({reason})")


def b45encode(data: bytes) -> str:
    chars = []
    for start in range(0, len(data), 2):
        pair = data[start : start + 2]
        number = int.from_bytes(pair, "big")
        for _ in range(3 if len(pair) == 2 else 2):
            number, digit = divmod(number, 45)
            chars.append(BASE45[digit])
    return "".join(chars)


def b45decode(text: str) -> bytes:
    out = bytearray()
    for start in range(0, len(text), 3):
        group = text[start : start + 3]
        if len(group) == 1 or any(char not in BASE45 for char in group):
            raise ValueError("not base45")
        number = sum(BASE45.index(char) * 45**place for place, char in enumerate(group))
        size = 2 if len(group) == 3 else 1
        if number >= 256**size:
            raise ValueError("not base45")
        out += number.to_bytes(size, "big")
    return bytes(out)


# Writing


def _entries(spec: BankSpec) -> list[BatteryEntry]:
    """The first battery of each entry of the spec's list (`count` expands the rest)."""
    return [
        b for n, b in enumerate(spec.batteries) if n == 0 or spec.batteries[n - 1].index != b.index
    ]


def _counts(spec: BankSpec) -> list[int]:
    first = _entries(spec)
    return [sum(1 for b in spec.batteries if b.index == entry.index) for entry in first]


def _model_name(entry: BatteryEntry, catalog: Catalog) -> str:
    model = identify(catalog, entry.model_name).model  # as the rules resolve it
    return model.name if model is not None else entry.model_name  # unknown: as typed


def _cables(spec: BankSpec) -> str:
    if spec.cables is None:
        return "-"
    cells, last = [], 0
    for cable in spec.cables:
        upper, lower = cable.between
        pins = "".join(str(pin) for pin in sorted(cable.pins))
        cells.append(f"{upper - last},{lower - upper},{pins}")
        last = upper
    return "\t".join(cells)


def _row(values: Any) -> str:
    return "\t".join(_text(value) for value in values).rstrip("\t")


def _text(value: str | None) -> str:
    if value is None:
        return ""
    if value == "":
        return "\\0"
    return value.translate({ord("\\"): "\\\\", 9: "\\t", 10: "\\n", 13: "\\r"})


# Reading


def _inflate(data: bytes) -> bytes:
    unpacker = zlib.decompressobj(15, DICTIONARY)
    body = unpacker.decompress(data, MAX_BODY)
    if unpacker.unconsumed_tail:
        raise ValueError(f"more than {MAX_BODY} bytes")
    if not unpacker.eof:
        raise ValueError("it is cut short")
    if unpacker.unused_data:
        raise ValueError("data after its end")
    return body


_ESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def _untext(cell: str) -> str | None:
    if cell == "":
        return None
    if cell == "\\0":
        return ""
    return re.sub(r"\\.?", lambda m: _ESCAPES.get(m[0], m[0]), cell)


def _cells(line: str, width: int) -> list[str | None]:
    cells = [_untext(cell) for cell in line.split("\t")] if line else []
    if len(cells) > width:
        raise ValueError("too many values in a line")
    return cells + [None] * (width - len(cells))


def _number(cell: str | None, default: int) -> int:
    if cell is None:
        return default
    if not re.fullmatch(r"-?\d{1,3}", cell):
        raise ValueError(f"{cell[:10]!r} is not a number")
    return int(cell)


def _fields(body: str) -> tuple[Scope, dict[str, Any]]:
    """The spec as plain data, checked for shape; the loader checks values afterwards."""
    lines = body.split("\n")
    if len(lines) != 10:
        raise ValueError(f"{len(lines)} lines, not 10")
    scope_text, job_line, paper, inverter, models_line = lines[:5]
    if scope_text not in {s.value for s in Scope}:
        raise ValueError("unknown scope")
    models = [_untext(cell) for cell in models_line.split("\t")]
    width = len(models)
    serials, firmware, ids, counts = (_cells(line, width) for line in lines[5:9])
    spec: dict[str, Any] = {}
    cells = _cells(job_line, len(JOB_FIELDS))
    job = {key: value for key, value in zip(JOB_FIELDS, cells, strict=True)}
    if any(value is not None for value in job.values()):
        spec["job"] = {key: value for key, value in job.items() if value is not None}
    spec["paper"] = paper
    if _untext(inverter) is not None:
        spec["inverter"] = _untext(inverter)
    spec["batteries"], position = [], 1
    for n in range(width):
        entry: dict[str, Any] = {"model": models[n]}
        for key, value in (("serial", serials[n]), ("firmware", firmware[n])):
            if value is not None:
                entry[key] = value
        if ids[n] is not None:
            entry["id"] = position + _number(ids[n], 0)
        count = _number(counts[n], 1)
        if count != 1:
            entry["count"] = count
        spec["batteries"].append(entry)
        position += max(count, 1)
    if lines[9] != "-":
        spec["cables"], last = [], 0
        for cell in lines[9].split("\t") if lines[9] else []:
            parts = cell.split(",")
            if len(parts) != 3:
                raise ValueError("a cable is not 'step,span,pins'")
            step, span, pins = parts
            if not re.fullmatch("[1-8]*", pins):
                raise ValueError(f"{pins[:10]!r} are not pins 1-8")
            upper = last + _number(step, 0)
            between = [upper, upper + _number(span, 0)]
            spec["cables"].append({"between": list(between), "pins": list(map(int, pins))})
            last = upper
    return Scope(scope_text), spec


HEADER = "# Bank spec read from the QR code of an eg4sheet install sheet (format {format}).\n"
BANK_ONLY = (
    "# The code carried the bank alone: the job fields did not fit in it. Copy them\n"
    "# (title, customer, site, installer, quote, revision, date, notes) from the sheet.\n"
)


def _canonical_yaml(fields: dict[str, Any], scope: Scope) -> bytes:
    body = dump_spec(fields)
    text = HEADER.format(format=FORMAT) + (BANK_ONLY if scope is Scope.BANK else "") + body
    data = text.encode("utf-8")
    spec, findings = parse_spec(data, "the QR code")
    if spec is None or findings:
        first = findings[0].message if findings else "not a spec"
        raise ValueError(first)
    return data
