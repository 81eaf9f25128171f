"""One exception base for everything a user can cause; the CLI catches this base."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.bank.diagnostics import Finding


class UserError(Exception):
    """Bad input from the user: a spec, a catalog, an option, a file. Never a traceback."""

    exit_code = 2


class UnreadableFile(UserError):
    """A file that is missing, not a file, or cannot be read."""


class CatalogError(UserError):
    """A catalog file that is not a valid catalog (its findings are attached)."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = list(findings)


class OutputError(UserError):
    """The output cannot be written (directory missing, not writable, disk full)."""
