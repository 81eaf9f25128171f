"""Writing to an open stream, every byte or an OSError, and why an OS call failed, in words.

Light (no temporary files, no renderer): the terminal and the command line use it for every
message, the output package for the files it writes.
"""

from __future__ import annotations

import errno
import io
import os
from typing import IO, Any

REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "it would pass the file size limit set with ulimit -f",
    errno.EROFS: "the file system is read-only",
}


def reason(error: OSError) -> str:
    """Why an OS call failed, in words: 'the disk is full', else the system's message."""
    return REASONS.get(error.errno or 0) or error.strerror or str(error)


def write_fully(stream: IO[Any], data: bytes) -> None:
    """Write every byte to an open file's descriptor, after what its buffers hold; OSError
    when they cannot all be written. Python's buffered writer takes a short write (a file
    size limit reached: 1024 of 5000 bytes) as done and drops the rest, without an error, so
    a truncated document would leave with exit 0. A stream without a descriptor (a test's
    capture) is written to as usual."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        target = getattr(stream, "buffer", None)
        if target is not None:
            target.write(data)
            target.flush()
        else:
            stream.write(data.decode(getattr(stream, "encoding", None) or "utf-8", "replace"))
            stream.flush()
        return
    stream.flush()
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]
