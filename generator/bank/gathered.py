"""Findings said once where the sheet says them once: a bank whose installed firmware is not
given for several batteries gets one "not given" line, not one under every battery (the
sheet's overview does the same; `validate` and the JSON API still list every finding)."""

from __future__ import annotations

from generator.bank.diagnostics import Finding

NOT_GIVEN = "W202"


def firmware_not_given_once(findings: list[Finding], hint: str) -> list[Finding]:
    """The findings with every W202 gathered into one, placed where the first one was, when
    more than one battery lacks its firmware; `hint` is the fix in the reader's words."""
    missing = [finding for finding in findings if finding.code == NOT_GIVEN]
    if len(missing) < 2:
        return findings
    positions = ", ".join(str(finding.position) for finding in missing)
    once = Finding(
        NOT_GIVEN,
        f"installed firmware is not given for {len(missing)} batteries (positions "
        f"{positions}): the checklist leaves it to be filled in",
        missing[0].location,
        hint,
    )
    gathered: list[Finding] = []
    for finding in findings:
        if finding is missing[0]:
            gathered.append(once)
        elif finding.code != NOT_GIVEN:
            gathered.append(finding)
    return gathered
