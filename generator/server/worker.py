"""What runs in the render pool's processes: one sheet at a time, the renderer kept warm."""

from __future__ import annotations

import gc
import logging
import signal

from generator import api
from generator.company import Company

WARM_UP_SPEC = b"batteries:\n  - model: LL-S\n"

_company: Company | None = None


def start(company: Company | None, warm: bool) -> None:
    """Each worker renders one small sheet first (imports, fonts, caches; unless told not
    to, as in tests), then freezes what it holds so the garbage collector does not walk it
    again for every sheet."""
    global _company
    _company = company
    # Ctrl-C reaches the whole process group: the server drains, and a worker finishes the
    # sheet it is making (the pool ends it after).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken upload is answered, not logged
    if warm:
        api.build_sheet(api.SpecSource("warm-up.yaml", WARM_UP_SPEC))
    gc.freeze()


def ready() -> None:
    """A no-op task: submitting one per worker makes the pool start them all."""


def render(
    name: str, data: bytes, allow_errors: bool, paper: str | None, lang: str | None = None
) -> bytes | None:
    """The sheet's PDF bytes, exactly as `eg4sheet build` makes them; None when refused."""
    options = api.SheetOptions(allow_errors=allow_errors, paper=paper, company=_company, lang=lang)
    return api.build_sheet(api.SpecSource(name, data), options).pdf


def extract(data: bytes) -> bytes:
    """The spec inside a sheet's PDF, or in the QR code of a photo or scan of a page."""
    return api.extract(data, "the uploaded sheet").data
