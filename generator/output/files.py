"""Atomic writes: a temp file in the same directory, renamed over the target, so a crash or
kill never leaves a truncated file behind and readers see the old file or the whole new one.
Standard output, for pipelines, gets the whole content in one write, or nothing.

A temp file's name carries the writing process's id (`.bank.pdf.4242.x1y2.part`), so a
clean-up can tell a file left by a dead process from one a live process is still writing.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from pathlib import Path

from generator.errors import OutputError

PART = re.compile(r"^\.(?P<target>.+)\.(?P<pid>[0-9]+)\.[^.]+\.part$")
_writing: set[str] = set()  # temp files this process is writing now


def write_atomic(target: Path, content: bytes) -> Path:
    """Write via a temp file and rename."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".part"
        )
    except OSError as error:
        raise OutputError(f"{target.parent}: cannot write here ({error.strerror})") from None
    _writing.add(temp_name)
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
    finally:
        _writing.discard(temp_name)
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


def abandon_writes() -> None:
    """Remove the temp files this process is writing (it is about to exit abruptly)."""
    for name in list(_writing):
        with contextlib.suppress(OSError):
            os.unlink(name)


def part_owner(part: Path) -> tuple[str, int] | None:
    """(target file name, writer's process id) of a temp file made by write_atomic."""
    match = PART.match(part.name)
    return (match["target"], int(match["pid"])) if match else None


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists and is not a zombie (exited, not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return status.rpartition(")")[2].split()[:1] != ["Z"]
