"""WeasyPrint imported with one look at the loader's cache for its C libraries.

WeasyPrint 70 tries several names for each C library it loads (gobject, pango, harfbuzz,
fontconfig, ...) before the one that loads on Linux (`libpango-1.0.so.0`). cffi hands each
name that fails to `ctypes.util.find_library`, which runs `ldconfig -p`, then gcc and ld, to
look for it: 54 processes and about 0.1 s of CPU at the start of every process that builds a
sheet (the CLI, a batch worker, a server's render workers).

Here `ldconfig -p` runs once, and each name is looked up in what it printed, as the first step
of `find_library` does; a name it does not list is not found, and WeasyPrint goes on to its
next name (the loader itself loads the soname). Where `ldconfig -p` lists nothing (not glibc),
`find_library` is left as it is.

The modules of this package that use WeasyPrint import this module first.
"""

from __future__ import annotations

import ctypes.util
import os
import re
import struct
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# find_library's own table: the ABI field `ldconfig -p` prints for this machine's libraries.
_ABI_FIELDS = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}
LDCONFIG = "/sbin/ldconfig"


def loader_cache() -> bytes:
    """What `ldconfig -p` prints (empty where it cannot run)."""
    try:
        return subprocess.run(
            [LDCONFIG, "-p"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env={"LC_ALL": "C", "LANG": "C"},
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return b""


def find_in(listing: bytes, name: str) -> str | None:
    """The file `find_library(name)` would find first in `listing`, or None."""
    bits = "-32" if struct.calcsize("l") == 4 else "-64"
    abi = _ABI_FIELDS.get(os.uname().machine + bits, "libc6")
    pattern = rb"\s+(lib%s\.[^\s]+)\s+\(%s" % (re.escape(os.fsencode(name)), os.fsencode(abi))
    match = re.search(pattern, listing)
    return os.fsdecode(match.group(1)) if match else None


@contextmanager
def one_look_at_the_loader_cache() -> Iterator[None]:
    """`ctypes.util.find_library` answered from one `ldconfig -p`, while this lasts."""
    listing = loader_cache() if sys.platform.startswith("linux") else b""
    if not listing:
        yield
        return
    own = ctypes.util.find_library
    ctypes.util.find_library = lambda name: find_in(listing, name)
    try:
        yield
    finally:
        ctypes.util.find_library = own


if "weasyprint" not in sys.modules:
    with one_look_at_the_loader_cache():
        import weasyprint  # noqa: F401  (loads its C libraries on import)
