"""Reading a file someone named: a regular file, opened without blocking, under a size cap.

Every file eg4sheet reads (spec, catalog, company settings, logo, drawing-cache entry, a
sheet to extract from) comes through here. A FIFO, a device or a socket would block or
never end (`/dev/zero`), so the file is opened with O_NONBLOCK and its type checked on the
open descriptor (no race between the check and the read) before a single byte is read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from generator.errors import UnreadableFile

MAX_SHEET_BYTES = 20_000_000  # a sheet (PDF) or a photo of one, read back for its spec
KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def read_bounded(
    path: Path,
    limit: int,
    what: str,
    *,
    follow_symlinks: bool = True,
    whole: bool = False,
    private: bool = False,
) -> bytes:
    """At most `limit + 1` bytes of a regular file (one more than allowed, so the caller can
    tell "too large" from "just fits"); UnreadableFile for anything that is not one. With
    `whole`, a file larger than `limit` is refused before a byte of it is read; with
    `private`, a file that another user owns or can write to."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except OSError as error:
        if error.errno == errno.ELOOP and not follow_symlinks:
            raise UnreadableFile(f"{path}: is a symbolic link, not a {what}") from None
        raise UnreadableFile(f"{path}: cannot be read ({error.strerror or error})") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            kind = KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
            raise UnreadableFile(f"{path}: is {kind}, not a {what}")
        if private and (status.st_uid != os.geteuid() or status.st_mode & 0o022):
            raise UnreadableFile(f"{path}: another user can write to it, not a {what}")
        if whole and status.st_size > limit:
            raise UnreadableFile(too_large(path, limit, what))
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(descriptor, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except UnreadableFile:
        raise
    except OSError as error:
        raise UnreadableFile(f"{path}: cannot be read ({error.strerror or error})") from None
    finally:
        os.close(descriptor)


def read_capped(path: Path, limit: int, what: str, *, follow_symlinks: bool = True) -> bytes:
    """The whole file, or UnreadableFile when it is larger than `limit` bytes."""
    data = read_bounded(path, limit, what, follow_symlinks=follow_symlinks, whole=True)
    if len(data) > limit:  # it grew while being read, or says size 0 (/proc)
        raise UnreadableFile(too_large(path, limit, what))
    return data


def too_large(path: Path, limit: int, what: str) -> str:
    size = f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit // 1000} kB"
    return f"{path}: is larger than {size}, too large for a {what}"
