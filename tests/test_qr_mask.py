"""The sheet's QR code made a row at a time (generator/sheet/figures/qrmask.py, qr.py): the
mask segno chooses and the modules it sets, and the PNG segno's own module iterator made."""

from __future__ import annotations

import importlib
import io
import random
from collections.abc import Iterator
from typing import Any

import pytest
import segno

from generator import api
from generator.sheet.figures import qr, qrmask
from generator.sheet.images import data_url
from tests.helpers import ROOT

encoder: Any = importlib.import_module("segno.encoder")

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%*+-./:é\n"


def _payloads() -> Iterator[tuple[str, str]]:
    """Texts from one character to some version 20 codes, every error level (fixed seed)."""
    pick = random.Random(17)
    for length in [1, 4, 10, 20, 35, 60, 90, 130, 180, 240, 300, 370, 450, 540, 640]:
        for error in "LMQH":
            yield "".join(pick.choice(ALPHABET) for _ in range(length)), error


def _unmasked(text: str, error: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, int]:
    """The modules segno sets for a text before it masks them, and the width."""
    seen: list[tuple[Any, int]] = []

    def keep(matrix: Any, width: int, height: int, proposed: int | None = None) -> Any:
        seen.append((tuple(bytearray(row) for row in matrix), width))
        return qrmask.OWN_BEST_MASK(matrix, width, height, proposed)

    with monkeypatch.context() as patched:
        patched.setattr(encoder, "find_and_apply_best_mask", keep)
        segno.make(text, error=error, boost_error=False, micro=False)
    return seen[0]


def test_the_mask_and_the_modules_are_segnos_own(monkeypatch: pytest.MonkeyPatch) -> None:
    versions = set()
    for text, error in _payloads():
        matrix, width = _unmasked(text, error, monkeypatch)
        versions.add((width - 17) // 4)
        own_mask, own = qrmask.OWN_BEST_MASK(tuple(map(bytearray, matrix)), width, width)
        mask, ours = qrmask.best_mask(tuple(map(bytearray, matrix)), width, width)
        assert (mask, [bytes(row) for row in ours]) == (own_mask, [bytes(row) for row in own])
    assert set(range(1, qr.MAX_VERSION + 1)) <= versions and max(versions) >= 20


def test_a_mask_asked_for_and_micro_codes_are_segnos(monkeypatch: pytest.MonkeyPatch) -> None:
    qrmask.install()
    assert encoder.find_and_apply_best_mask is qrmask.best_mask
    asked = segno.make("bank", error="L", mask=3, micro=False)
    assert asked.mask == 3
    micro = segno.make("12345", micro=True)
    monkeypatch.setattr(encoder, "find_and_apply_best_mask", qrmask.OWN_BEST_MASK)
    assert segno.make("12345", micro=True).matrix == micro.matrix


def test_a_sheets_code_scores_no_module_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """segno's own scoring walks every module of every mask in Python (about 70 % of the QR
    code of the manufacturer example); the sheet's code never calls it."""
    scored: list[int] = []
    evaluate = encoder.evaluate_mask

    def counted(*args: Any) -> Any:
        scored.append(1)
        return evaluate(*args)

    monkeypatch.setattr(encoder, "evaluate_mask", counted)
    monkeypatch.setattr(encoder, "find_and_apply_best_mask", qrmask.OWN_BEST_MASK)  # as at start
    checked = api.check(api.read_spec(ROOT / "bank_specs" / "manufacturer-example.yaml"))
    assert checked.analysis is not None
    view = qr.qr_view(checked.analysis)
    assert view.version == 10 and scored == []


@pytest.mark.parametrize("text", ["x", "eg4sheet " * 30, "LL-S\n" * 150])
def test_the_png_is_the_one_segnos_module_iterator_gives(text: str) -> None:
    """qr._png_url reads the modules row by row; the image is pixel for pixel, and byte for
    byte, the one made from segno's `matrix_iter` with the quiet zone."""
    from PIL import Image

    code = segno.make(text, error="L", boost_error=True, micro=False)
    rows = [bytes(0 if dark else 255 for dark in row) for row in code.matrix_iter(border=qr.QUIET)]
    image = Image.frombytes("L", (len(rows[0]), len(rows)), b"".join(rows))
    image = image.resize(
        (image.width * qr.SCALE, image.height * qr.SCALE), Image.Resampling.NEAREST
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    assert qr._png_url(code) == data_url("image/png", out.getvalue())
