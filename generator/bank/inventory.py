"""`--inventory "LL-S, 2x LL-V2 (4 DIP), LifePower4"`: what is on hand, as a bank spec."""

from __future__ import annotations

import re

from generator.bank.diagnostics import Finding, Location
from generator.bank.limits import MAX_COUNT
from generator.bank.spec import BankSpec, BatteryEntry
from generator.bank.yamlsrc import shown

INVENTORY = "<inventory>"
COUNTED = re.compile(r"^(?P<count>[0-9]+)\s*[x×*]\s*(?P<name>.+)$", re.IGNORECASE)


def parse_inventory(text: str) -> tuple[BankSpec, list[Finding]]:
    """Comma-separated models, each optionally preceded by a count ('2x', '2 x', '2×')."""
    findings: list[Finding] = []
    batteries: list[BatteryEntry] = []
    offset = 0
    for item in text.split(","):
        column = offset + len(item) - len(item.lstrip()) + 1
        offset += len(item) + 1
        where = Location(INVENTORY, 1, column)
        name, count, written = item.strip(), 1, "1"
        if not name:
            continue
        counted = COUNTED.match(name)
        if counted:
            name, written = counted["name"].strip(), counted["count"]
            # digits counted before converting: int() of thousands of digits is slow or fails
            count = int(written) if len(written) <= 6 else MAX_COUNT + 1
        if not 1 <= count <= MAX_COUNT:
            findings.append(
                Finding(
                    "E002",
                    f"count {count if len(written) <= 6 else shown(written)} of {shown(name)} "
                    f"must be from 1 to {MAX_COUNT}",
                    where,
                )
            )
            continue
        for _ in range(count):
            position = len(batteries) + 1
            batteries.append(BatteryEntry(position, name, where, where))
    if not batteries and not findings:
        findings.append(
            Finding(
                "E004",
                "the inventory lists no batteries",
                Location(INVENTORY, 1, 1),
                'list them like "LL-S, 2x LL-V2 (4 DIP), LifePower4"',
            )
        )
    spec = BankSpec(
        INVENTORY,
        text.encode(),
        batteries=tuple(batteries[:MAX_COUNT]),
        slots=min(len(batteries), MAX_COUNT),
    )
    if len(batteries) > MAX_COUNT:
        findings.append(
            Finding(
                "E105",
                f"the inventory lists {len(batteries)} batteries; no bank "
                f"can address more than {MAX_COUNT}",
                Location(INVENTORY, 1, 1),
                "split them into several banks",
            )
        )
    return spec, findings
