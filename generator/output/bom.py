"""The bill of materials as CSV, for quoting systems and spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from generator.bank.plan import InstallPlan

COLUMNS = ["spec", "kind", "item", "quantity", "unit_kwh", "total_kwh", "note"]


def bom_rows(spec_name: str, plan: InstallPlan) -> list[list[str]]:
    """One row per BOM line, then a total row with the bank's battery count and kWh."""
    rows = [
        [
            spec_name,
            line.kind,
            line.item,
            str(line.quantity),
            _kwh(line.unit_kwh),
            _kwh(line.total_kwh),
            line.note,
        ]
        for line in plan.bom()
    ]
    rows.append(
        [
            spec_name,
            "total",
            "Bank total",
            str(len(plan.batteries)),
            "",
            _kwh(plan.kwh),
            "batteries and nominal capacity",
        ]
    )
    return rows


def bom_csv(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def _kwh(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
