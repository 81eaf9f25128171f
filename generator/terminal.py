"""Talking to the terminal: messages with control characters escaped, standard output that
may be closed or full, library log lines kept out, SIGTERM turned into an interruption."""

from __future__ import annotations

import _thread
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

import click

from generator.bank.text import escape_controls
from generator.errors import EXIT_USAGE
from generator.streams import reason, write_fully

INTERRUPT_AGAIN_SECONDS = 0.05


class OutputClosed(Exception):
    """Standard output cannot take more (a closed pipe, a full disk, a closed descriptor)."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(reason)
        self.reason = reason  # None: the reader went away, which needs no message


def say(text: str, err: bool = False, nl: bool = True, data: bool = False) -> None:
    """Print a line for the user: control characters escaped (a file name or a value can
    hold terminal commands), unless it is `data` (a spec, JSON) written as is."""
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # started with the descriptor closed
        if err:
            return
        raise OutputClosed(None)
    shown = text if data else escape_controls(text)
    try:
        if err:
            click.echo(shown, file=stream, nl=nl)
        else:  # every byte, or an error: a cut plan or spec must not end with exit 0
            line = shown + ("\n" if nl else "")
            write_fully(stream, line.encode(stream.encoding or "utf-8", stream.errors or "strict"))
    except OSError as error:
        if err:  # standard error is gone too: nothing more can be said
            return
        if isinstance(error, BrokenPipeError):
            raise OutputClosed(None) from None
        raise OutputClosed(reason(error)) from None


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM ends a build the way Ctrl-C does (workers stopped, temp files removed)
    rather than killing the main process on the spot."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def interrupts_kept() -> Iterator[None]:
    """Ctrl-C that lands in a finalizer (the renderer's FontConfiguration.__del__) would be
    printed by Python as 'Exception ignored in … KeyboardInterrupt', with a traceback, and
    lost: it is raised again instead, where it can stop the command."""
    previous = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            _thread.start_new_thread(_interrupt_soon, ())  # not in here: it would be lost again
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _interrupt_soon() -> None:
    """Interrupt the main thread once it is out of the finalizer and the hook."""
    time.sleep(INTERRUPT_AGAIN_SECONDS)
    _thread.interrupt_main(signal.SIGINT)


def output_closed(reason: str | None) -> None:
    """Standard output is gone (the reader quit) or full: exit 2, saying why only when it is
    not simply a closed pipe, and never with Python's own message at exit."""
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # what is still buffered goes nowhere
    if reason:
        say(f"Error: cannot write to standard output ({reason})", err=True)
    sys.exit(EXIT_USAGE)


def quiet_libraries() -> None:
    """Libraries log warnings (pypdf about a damaged file, fontTools, matplotlib) that would
    reach the user through Python's last-resort handler; eg4sheet says what matters
    itself. EG4SHEET_DEBUG=1 shows them."""
    root = logging.getLogger()
    if os.environ.get("EG4SHEET_DEBUG"):
        logging.basicConfig(level=logging.WARNING)
    elif not any(isinstance(handler, logging.NullHandler) for handler in root.handlers):
        root.addHandler(logging.NullHandler())
