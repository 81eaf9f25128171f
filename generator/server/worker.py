"""What runs in the render pool's processes: one sheet at a time, the renderer kept warm."""

from __future__ import annotations

import gc
import logging
import os
import select
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

from generator import api
from generator.company import Company
from generator.errors import UserError
from generator.server import memory

WARM_UP_SPEC = b"batteries:\n  - model: LL-S\n"

_company: Company | None = None


def start(
    company: Company | None, warm: bool, server: int | None = None, scratch: Path | None = None
) -> None:
    """Each worker watches the server (`server`: its process id) and ends when it ends, even
    by kill -9; makes its temporary files in the server's `scratch` folder; renders one small
    sheet first (imports, fonts, caches; unless told not to, as in tests), then freezes what
    it holds so the garbage collector does not walk it again for every sheet."""
    global _company
    _company = company
    # Ctrl-C reaches the whole process group: the server drains, and a worker finishes the
    # sheet it is making (the pool ends it after).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    memory.map_big_blocks()
    if scratch is not None:
        tempfile.tempdir = str(scratch)
    if server is not None:
        threading.Thread(
            target=_outlive_not, args=(server, scratch), name="eg4sheet-lifeline", daemon=True
        ).start()
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken upload is answered, not logged
    if warm:
        api.build_sheet(api.SpecSource("warm-up.yaml", WARM_UP_SPEC))
    gc.freeze()


def _outlive_not(server: int, scratch: Path | None) -> None:
    """Wait for the server process to end, then remove its scratch folder and exit at once.
    A worker's parent is the forkserver, which lives as long as its workers: the workers
    must notice the server themselves (then the forkserver and resource tracker follow)."""
    try:
        handle = os.pidfd_open(server)  # Linux 5.3 and later
    except ProcessLookupError:
        pass  # gone already
    except (OSError, AttributeError):  # no pidfd (an old kernel, not Linux): look each second
        while _alive(server):
            time.sleep(1.0)
    else:
        select.select([handle], [], [])  # readable once the process has ended
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ready() -> None:
    """A no-op task: submitting one per worker makes the pool start them all."""


def render(
    name: str, data: bytes, allow_errors: bool, paper: str | None, lang: str | None = None
) -> bytes | None:
    """The sheet's PDF bytes, exactly as `eg4sheet build` makes them; None when refused."""
    options = api.SheetOptions(allow_errors=allow_errors, paper=paper, company=_company, lang=lang)
    return api.build_sheet(api.SpecSource(name, data), options).pdf


def extract(data: bytes) -> bytes | str:
    """The spec inside a sheet's PDF, or in the QR code of a photo or scan of a page; or why
    not, as a message. Not raised: the pool keeps a task's exception, with its traceback and
    so the upload, until the worker's next task."""
    try:
        return api.extract(data, "the uploaded sheet").data
    except UserError as error:
        return str(error)
