"""One exception base for everything a user can cause; the CLI and the server catch this base.

Anything else that escapes is a bug: the CLI prints one line and exits 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.bank.diagnostics import Finding

# The exit codes of design.md, in one place: success (warnings allowed), a spec with errors,
# a usage error or an unreadable file, an internal error (a bug).
EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UserError(Exception):
    """Bad input from the user: a spec, a catalog, settings, an option, a file."""

    exit_code = EXIT_USAGE


class UnreadableFile(UserError):
    """A file that is missing, not a file, or cannot be read."""


class FindingsError(UserError):
    """A file that was read but is not valid; its findings are attached."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = list(findings)


class CatalogError(FindingsError):
    """A catalog file that is not a valid catalog."""


class CompanyError(FindingsError):
    """A company settings file that is not valid, or a logo that cannot be used."""


class OutputError(UserError):
    """The output cannot be written (directory missing, not writable, disk full)."""


class SheetError(UserError):
    """A sheet to extract from that is not readable or carries no valid spec."""
