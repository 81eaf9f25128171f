"""A content-addressed on-disk cache for drawings that are the same across sheets.

There are only a few hundred distinct DIP blocks across all models; keeping each one once
on disk takes matplotlib off the path of most builds. The key covers everything the
drawing depends on; writes are atomic, and any cache problem just means drawing again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from generator import __version__


def cache_dir() -> Path | None:
    """$EG4SHEET_CACHE (or 'off'), else $XDG_CACHE_HOME/eg4sheet, else ~/.cache/eg4sheet."""
    setting = os.environ.get("EG4SHEET_CACHE")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "eg4sheet"


def cached(kind: str, key: str, make: Callable[[], str]) -> str:
    """The stored text for (kind, key), or make it, store it and return it."""
    folder = cache_dir()
    digest = hashlib.sha256(f"{__version__}|{_matplotlib_version()}|{key}".encode()).hexdigest()
    path = folder / f"{kind}-{digest[:24]}.svg" if folder else None
    if path is not None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            return path.read_text(encoding="utf-8")
    text = make()
    if path is not None:
        with contextlib.suppress(OSError):
            _store(path, text)
    return text


def _store(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _matplotlib_version() -> str:
    """Part of the key: another matplotlib may draw differently. Read without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("matplotlib")
    except PackageNotFoundError:  # pragma: no cover
        return "none"
