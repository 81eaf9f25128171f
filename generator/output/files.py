"""Atomic writes: a temp file in the same directory, renamed over the target, so a crash or
kill never leaves a truncated file behind and readers see the old file or the whole new one.
Standard output, for pipelines, gets the whole content in one write, or nothing."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from generator.errors import OutputError


def write_atomic(target: Path, content: bytes) -> Path:
    """Write via a temp file and rename."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as error:
        raise OutputError(f"{target.parent}: cannot write here ({error.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(content)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(error, OSError):
            raise OutputError(f"{target}: cannot be written ({error.strerror})") from None
        raise
    return target


STDOUT = Path("-")  # as an output: standard output


def write_stdout(content: bytes) -> Path:
    """Write bytes to standard output after any text already there, in one go."""
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    except (OSError, ValueError) as error:  # a closed pipe, a closed stream
        raise OutputError(f"standard output cannot be written ({error})") from None
    return Path("<stdout>")  # as reported: 'bank.yaml: wrote <stdout>'
