"""Findings: what is wrong with a spec, where, and how to fix it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from generator.bank.i18n import Msg, Translate


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


# Which findings concern what, by design.md's codes: the one home of these groups.
# About one battery, and about the cable below a position: on a sheet with a change list they
# point to the changes that concern the same battery or cable.
ABOUT_BATTERY = frozenset({"E101", "E102", "E103", "E104", "E105", "E110", "E111", "W201"})
ABOUT_CABLE = frozenset({"E106", "E107", "E108"})
# Errors that no rearranging removes: a spec that cannot be read, an unknown model, a bank
# larger than its smallest DIP table can address, a battery the interop guide does not cover.
UNCORRECTABLE = frozenset({"E001", "E002", "E003", "E004", "E101", "E105", "E111"})
# Of those, the ones the change list can only name (it opens with them): no re-work is planned
# around them. A bank beyond its address range is: the batteries past the range leave it.
UNSOLVED_STEPS = frozenset({"E101", "E111"})
# Uncorrectable by rewriting the spec, but the re-work solves it: the batteries past the bank's
# address range are taken out of it.
REWORKED = frozenset({"E105"})


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file: 1-based line and column, as editors count them."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    """One diagnostic. `position` is the rack position it concerns, for sorting."""

    code: str
    message: str
    location: Location
    hint: str | None = None
    position: int | None = None
    more: int = 0  # for the last finding of a capped list: how many were left out
    # The message and hint as translatable sentences (the fields above are their English).
    text: Msg | None = field(default=None, compare=False, repr=False)
    hint_text: Msg | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(
        cls,
        code: str,
        message: str | Msg,
        location: Location,
        hint: str | Msg | None = None,
        position: int | None = None,
        more: int = 0,
    ) -> Finding:
        """A finding from sentences that can be printed in another language."""
        return cls(
            code,
            str(message),
            location,
            None if hint is None else str(hint),
            position,
            more,
            message if isinstance(message, Msg) else None,
            hint if isinstance(hint, Msg) else None,
        )

    def message_in(self, translate: Translate | None) -> str:
        return self.text.render(translate) if self.text is not None else self.message

    def hint_in(self, translate: Translate | None) -> str | None:
        return self.hint_text.render(translate) if self.hint_text is not None else self.hint

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.code.startswith("W") else Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple[int, int, int, str]:
        return (self.position or 0, self.location.line, self.location.column, self.code)

    def as_text(self) -> str:
        text = f"{self.location}: {self.severity} {self.code}: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self.location),
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "hint": self.hint,
        }


MAX_LISTED = 200  # a list longer than this is a wrong file or a paste gone wrong


def capped(findings: list[Finding], limit: int = MAX_LISTED) -> list[Finding]:
    """The first `limit` findings and one more that counts the rest, so a hostile file
    cannot make the output (or the sheet) huge. The count carries the code and place of
    the first error left out (else of the first finding), so the verdict stays the same."""
    if len(findings) <= limit:
        return findings
    rest = findings[limit:]
    first = next((finding for finding in rest if finding.is_error), rest[0])
    summary = Finding.of(
        first.code,
        Msg(
            "and {count} more findings, not listed (only the first {limit} are)",
            count=len(rest),
            limit=limit,
        ),
        first.location,
        Msg("correct the ones listed and check again"),
        first.position,
        more=len(rest),
    )
    return [*findings[:limit], summary]


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Findings in rack order; file-level findings (no position) first."""
    return sorted(findings, key=Finding.sort_key)


def has_errors(findings: list[Finding]) -> bool:
    return any(finding.is_error for finding in findings)


def format_text(findings: list[Finding]) -> str:
    return "\n".join(finding.as_text() for finding in findings)


def format_json(findings: list[Finding]) -> str:
    return json.dumps([finding.as_dict() for finding in findings], indent=2)


UNREADABLE = "unreadable"  # the `code` of a file that could not be read at all


def format_unreadable_json(unreadable: list[tuple[str, str]], findings: list[Finding]) -> str:
    """`--format json` when a file could not be read: one object, never a bare list that a
    script would take for "no findings". `code`, `file` and `message` name the first file
    that could not be read; `unreadable` lists them all; `findings` are those of the files
    that were read."""
    first_file, first_message = unreadable[0]
    return json.dumps(
        {
            "code": UNREADABLE,
            "file": first_file,
            "message": first_message,
            "unreadable": [{"file": file, "message": message} for file, message in unreadable],
            "findings": [finding.as_dict() for finding in findings],
        },
        indent=2,
    )
