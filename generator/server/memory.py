"""Memory the server gives back: large buffers (uploads, decoded photos) are mapped from the
system and returned to it when freed, instead of staying in the heap after a burst."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
BIG = 1 << 20  # bytes: blocks this large get a mapping of their own


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
    except OSError:
        return None
    has_both = hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")
    return libc if has_both else None  # not glibc (musl, macOS): nothing to tune


def map_big_blocks() -> None:
    """Fix glibc's mmap threshold at 1 MB. Left alone, glibc raises it to the size of every
    large block freed (up to 32 MB): after one 19 MB upload, the next ones come from the heap
    and the process keeps their memory when they are gone."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_MMAP_THRESHOLD, BIG)


def give_back() -> None:
    """Return the free pages at the heap's end (and in threads' arenas) to the system."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
