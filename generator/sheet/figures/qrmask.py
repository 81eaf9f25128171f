"""The QR code's mask chosen as segno chooses it, a row at a time instead of a module at a time.

A QR code is drawn with the one of eight masks whose penalty (ISO/IEC 18004 7.8.3: runs,
blocks, finder-like patterns, balance) is lowest. segno (1.6) applies and scores each mask
module by module in Python, some 70 % of a sheet's QR code (15 ms for the manufacturer
example's version 10). `install` puts `best_mask` in its place: each row is one integer, a
byte a module, so a mask is one XOR a row, runs are found by a regular expression and 2×2
blocks by shifts; the same scores, the same mask, the same modules (tests/test_qr_mask.py
compares it with segno's own). Micro QR codes and a mask asked for go to segno's function.
"""

from __future__ import annotations

import importlib
import re
import threading
from functools import lru_cache
from typing import Any

segno_encoder: Any = importlib.import_module("segno.encoder")  # partly typed

OWN_BEST_MASK = segno_encoder.find_and_apply_best_mask  # segno's own
RUN = re.compile(rb"\x00{5,}|\x01{5,}")  # five or more modules of one colour (N1)
FINDER_LIKE = bytes((1, 0, 1, 1, 1, 0, 1))  # dark:light:dark×3:light:dark (N3)
_lock = threading.Lock()


def install() -> None:
    """Choose QR masks with `best_mask` from now on (once per process; idempotent)."""
    with _lock:
        if segno_encoder.find_and_apply_best_mask is OWN_BEST_MASK:
            segno_encoder.find_and_apply_best_mask = best_mask


def best_mask(
    matrix: tuple[bytearray, ...], width: int, height: int, proposed_mask: int | None = None
) -> tuple[int, Any]:
    """segno's `find_and_apply_best_mask`: the mask of lowest penalty (the first of equals)
    and the matrix with it applied (format and version information not yet added)."""
    if (
        proposed_mask is not None  # a mask asked for
        or width != height
        or width < 21  # a Micro QR code: scored otherwise
        or any(max(row) > 1 for row in matrix)  # a module not set: segno scores it as a colour
    ):
        return OWN_BEST_MASK(matrix, width, height, proposed_mask)  # type: ignore[no-any-return]
    rows = [int.from_bytes(row, "big") for row in matrix]
    best: tuple[int, int, list[bytes]] | None = None
    for number, mask in enumerate(_masks(width)):
        masked = [(row ^ flip).to_bytes(width, "big") for row, flip in zip(rows, mask, strict=True)]
        score = _penalty(masked, width)
        if best is None or score < best[0]:
            best = (score, number, masked)
    assert best is not None
    return best[1], tuple(bytearray(row) for row in best[2])


@lru_cache(maxsize=8)
def _masks(size: int) -> tuple[tuple[int, ...], ...]:
    """Each mask as one integer a row: a byte 1 where the mask flips a module, only in the
    encoding region (segno's own test: the module is neither a function pattern nor the dark
    module)."""
    function = segno_encoder.make_matrix(size, size)
    segno_encoder.add_finder_patterns(function, size, size)
    segno_encoder.add_alignment_patterns(function, size, size)
    function[-8][8] = 0x1
    masks = []
    for flips in segno_encoder.get_data_mask_functions(False):
        masks.append(
            tuple(
                int.from_bytes(
                    bytes(1 if function[i][j] > 0x1 and flips(i, j) else 0 for j in range(size)),
                    "big",
                )
                for i in range(size)
            )
        )
    return tuple(masks)


def _penalty(rows: list[bytes], size: int) -> int:
    """segno's `evaluate_mask`: N1 + N2 + N3 + N4 of a matrix of 0 and 1 bytes."""
    flat = b"".join(rows)
    lines = (*rows, *(flat[column::size] for column in range(size)))
    runs = RUN.findall(b"\x02".join(lines))  # no run goes on from one line into the next
    n1 = sum(map(len, runs)) - 2 * len(runs)
    inner = int.from_bytes(b"\x00" + b"\x01" * (size - 1), "big")  # modules with a left neighbour
    n2 = 0
    above = None
    for line in rows:
        row = int.from_bytes(line, "big")
        if above is not None:
            # a module differing from its left or upper neighbour, or the upper one from its left
            differs = (row ^ (row >> 8)) | (above ^ (above >> 8)) | (row ^ above)
            n2 += 3 * (size - 1 - (differs & inner).bit_count())
        above = row
    n3 = sum(_finder_like(line, size) for line in lines if FINDER_LIKE in line)
    percent = float(flat.count(1)) / (size**2)
    n4 = 10 * int(abs(percent * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


def _finder_like(line: bytes, size: int) -> int:
    """segno's N3 for one row or column, as it counts: 40 for each 1:1:3:1:1 pattern with
    four light modules (or the edge) before or after it, the search going on after it."""
    count = 0
    index = line.find(FINDER_LIKE)
    while index != -1:
        offset = index + 7
        if (
            index in (0, size - 7)
            or not any(line[max(index - 4, 0) : min(index, size)])
            or not any(line[max(offset, 0) : min(offset + 4, size)])
        ):
            count += 40
        else:
            offset = index + 4
        index = line.find(FINDER_LIKE, offset)
    return count
