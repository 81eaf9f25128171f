"""A content-addressed on-disk cache for drawings that are the same across sheets.

There are only a few hundred distinct DIP blocks across all models; keeping each one once
on disk takes matplotlib off the path of most builds. The key covers everything the
drawing depends on; writes are atomic, and any cache problem just means drawing again.

An entry can never change a sheet: its first line is a hash of its key and its drawing,
checked on every read, and it must be a regular file of bounded size. An entry that was
swapped, truncated, emptied or replaced by a link or a FIFO is ignored and drawn again.

The hash is no secret: whoever can write the folder could seal a forged drawing. So only a
private folder is used: owned by this user and writable by no one else (a shared
EG4SHEET_CACHE, mode 777, is not used; `cache_problem` says why, and the command line says so
in one line), and only entries this user owns and no one else can write are read. The
default folder (~/.cache/eg4sheet) is created private (0700), entries 0600.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from generator import __version__
from generator.bounded import read_bounded
from generator.errors import UserError

FORMAT = "eg4sheet-cache-2"  # the first line of every entry starts with this
MAX_ENTRY_BYTES = 1_000_000  # a DIP drawing is about 5 kB


def cache_dir() -> Path | None:
    """$EG4SHEET_CACHE (or 'off'), else $XDG_CACHE_HOME/eg4sheet, else ~/.cache/eg4sheet."""
    setting = os.environ.get("EG4SHEET_CACHE")
    if setting == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "eg4sheet"


def cache_problem(folder: Path | None = None) -> str | None:
    """Why the cache folder is not used (another user can write to it), or None."""
    folder = folder or cache_dir()
    if folder is None:
        return None
    try:
        status = os.stat(folder)
    except OSError:  # not there yet (created private), or unusable (every write fails)
        return None
    if not stat.S_ISDIR(status.st_mode):
        return None
    if status.st_uid != os.geteuid():
        return f"drawing cache {folder} not used: it belongs to another user (uid {status.st_uid})"
    if status.st_mode & 0o022:
        return (
            f"drawing cache {folder} not used: other users can write to it "
            f"(mode {stat.S_IMODE(status.st_mode):o}); use a folder of your own"
        )
    return None


def private_cache_dir() -> Path | None:
    """The cache folder, when it is off or private; None otherwise (drawn every time)."""
    folder = cache_dir()
    return folder if folder is not None and cache_problem(folder) is None else None


def cached(kind: str, key: str, make: Callable[[], str]) -> str:
    """The stored text for (kind, key), or make it, store it and return it."""
    folder = private_cache_dir()
    # The entry format is part of the key: a build that writes entries another way never
    # finds (or overwrites) this one's, even under the same version number.
    digest = hashlib.sha256(
        f"{FORMAT}|{__version__}|{_matplotlib_version()}|{key}".encode()
    ).hexdigest()
    path = folder / f"{kind}-{digest[:24]}.svg" if folder else None
    if path is not None:
        text = _read(path, digest)
        if text is not None:
            return text
    text = make()
    if path is not None:
        with contextlib.suppress(OSError):
            store(path, f"{_seal(digest, text)}\n{text}".encode())
    return text


def _seal(digest: str, text: str) -> str:
    """The entry's first line: binds the drawing to its key, so swapped entries fail too."""
    return f"{FORMAT} {hashlib.sha256(f'{digest}|{text}'.encode()).hexdigest()}"


def read_entry(path: Path) -> bytes | None:
    """The bytes of a private regular file within the entry limit, else None."""
    try:
        data = read_bounded(
            path, MAX_ENTRY_BYTES, "cache entry", follow_symlinks=False, private=True
        )
    except UserError:
        return None
    return data if len(data) <= MAX_ENTRY_BYTES else None


def _read(path: Path, digest: str) -> str | None:
    """The drawing stored at `path` if it is a regular file whose seal matches, else None."""
    data = read_entry(path)
    if data is None:
        return None
    try:
        seal, _, text = data.decode("utf-8").partition("\n")
    except UnicodeDecodeError:
        return None
    if not hmac.compare_digest(seal.encode(), _seal(digest, text).encode()):
        return None
    return text


def store(path: Path, data: bytes) -> None:
    """Write an entry atomically, private (0600) in a private folder (0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".part")  # 0600
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


@functools.cache  # reading package metadata costs about 5 ms, once per drawing otherwise
def _matplotlib_version() -> str:
    """Part of the key: another matplotlib may draw differently. Read without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("matplotlib")
    except PackageNotFoundError:  # pragma: no cover
        return "none"
