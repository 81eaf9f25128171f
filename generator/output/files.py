"""Atomic writes: a temp file in the same directory, renamed over the target, so a crash or
kill never leaves a truncated file behind and readers see the old file or the whole new one.
Standard output, for pipelines, gets the whole content in one write, or nothing.

A target is written only when it is a regular file or a new name: a device, a named pipe, a
socket or a directory is refused, never opened (opening a FIFO for writing would wait for a
reader forever) and never replaced. An output that is one of the run's inputs, or another of
its outputs, is refused before anything is written (`refuse_clashes`).

Several files that belong together (a sheet's PDF and HTML) are written all or none: every
temp file is complete before the first is renamed into place.

A temp file's name carries the writing process's id (`.bank.pdf.4242.x1y2.part`), so a
clean-up can tell a file left by a dead process from one a live process is still writing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from generator.bounded import KINDS
from generator.errors import OutputError
from generator.streams import REASONS, reason, write_fully

PART = re.compile(r"^\.(?P<target>.+)\.(?P<pid>[0-9]+)\.[^.]+\.part$")
_writing: set[str] = set()  # temp files this process is writing now


# What the environment refuses, in words the user can act on (else the system's own words).
def is_environment(error: OSError) -> bool:
    """Whether the machine, not eg4sheet, refused a write (a full disk, a size limit)."""
    return error.errno in REASONS or error.errno == errno.EIO


def check_target(target: Path, label: str | None = None) -> None:
    """OutputError unless `target` is a regular file or a new name (a link is judged by what
    it points to). Nothing is opened: a FIFO is looked at, never waited on."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return
    except NotADirectoryError:  # a file where a folder should be
        raise OutputError(f"{target.parent}: cannot write here: not a directory") from None
    except OSError as error:  # a loop of links, a name too long
        raise OutputError(f"{label or target}: cannot be written: {reason(error)}") from None
    if not stat.S_ISREG(status.st_mode):
        kind = KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        raise OutputError(
            f"{label or target}: is {kind}; eg4sheet writes only to a regular file or a new "
            "name; nothing written"
        )


def _identity(path: Path) -> object:
    """What makes two paths one file: device and inode when it exists (links, hard links,
    ./x and x), else the resolved path without case (some file systems ignore case)."""
    try:
        status = os.stat(path)
        return (status.st_dev, status.st_ino)
    except OSError:
        return os.path.normcase(os.path.realpath(path)).casefold()


Named = tuple[str, Path]  # a file and how to name it in a message ("--bom bom.csv")


def refuse_clashes(inputs: Iterable[Named], outputs: Sequence[Named]) -> None:
    """OutputError, before anything is written, when an output is not a regular file or a
    new name, is one of the run's inputs, or is another of its outputs."""
    read: dict[object, str] = {}
    for label, path in inputs:
        if str(path) != "-":
            read.setdefault(_identity(path), label)
    written: dict[object, str] = {}
    for label, path in outputs:
        if str(path) == "-":
            continue
        check_target(path, label)
        key = _identity(path)
        if key in read:
            raise OutputError(f"{label} is {read[key]}, which this run reads; nothing written")
        if key in written:
            raise OutputError(f"{label} is also {written[key]}; nothing written")
        written[key] = label


def write_atomic(target: Path, content: bytes) -> Path:
    """Write via a temp file and rename."""
    return write_together([(target, content)])[0]


def write_together(files: Sequence[tuple[Path, bytes]]) -> list[Path]:
    """Write several files all or none: each to a complete temp file first, then each
    renamed into place; when any cannot be written, none is left (the ones already renamed
    are removed again) and OutputError says why."""
    temps: list[tuple[str, Path]] = []
    done: list[Path] = []
    made = _missing_folders([target for target, _ in files])
    try:
        for target, content in files:
            check_target(target)
            temps.append((_write_temp(target, content), target))
        for temp, target in temps:
            check_target(target)  # still not a device: it may have changed meanwhile
            try:
                os.replace(temp, target)
            except OSError as error:
                raise OutputError(f"{target}: cannot be written: {reason(error)}") from None
            done.append(target)
    except BaseException:
        for temp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        for target in done:
            with contextlib.suppress(OSError):
                os.unlink(target)
        for folder in made:  # deepest first; only if still empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    finally:
        for temp, _ in temps:
            _writing.discard(temp)
    return done


def _missing_folders(targets: list[Path]) -> list[Path]:
    """The folders that writing these targets would create, deepest first."""
    missing: set[Path] = set()
    for target in targets:
        folder = target.parent
        while folder != folder.parent and not folder.exists():
            missing.add(folder)
            folder = folder.parent
    return sorted(missing, key=lambda folder: len(folder.parts), reverse=True)


def _write_temp(target: Path, content: bytes) -> str:
    """A complete, synced temp file beside `target`; its name."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".part"
        )
    except OSError as error:
        raise OutputError(f"{target.parent}: cannot write here: {reason(error)}") from None
    _writing.add(temp_name)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(content)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o644)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        _writing.discard(temp_name)
        if isinstance(error, OSError):
            raise OutputError(f"{target}: cannot be written: {reason(error)}") from None
        raise
    return temp_name


STDOUT = Path("-")  # as an output: standard output


def write_stdout(content: bytes) -> Path:
    """Write bytes to standard output after any text already there, in one go."""
    try:
        write_fully(sys.stdout, content)
    except OSError as error:  # a closed pipe, a full disk
        raise OutputError(f"standard output cannot be written: {reason(error)}") from None
    except ValueError as error:  # a closed stream
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
