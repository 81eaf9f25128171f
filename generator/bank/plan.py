"""The install plan: rack order, IDs, DIP states, cable plan, firmware checklist, BOM."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Literal

from generator.bank.catalog import BatteryModel, Catalog, DipState
from generator.bank.diagnostics import Finding, has_errors
from generator.bank.inventory import parse_inventory
from generator.bank.rules import RackedBattery, cable_must_be_restricted, check
from generator.bank.spec import BankSpec, JobInfo, RackPosition

CableKind = Literal["standard", "pins-7-8-only"]
ALL_PINS = (1, 2, 3, 4, 5, 6, 7, 8)
SIGNAL_ONLY = (7, 8)


@dataclass(frozen=True)
class PlannedBattery:
    position: RackPosition
    id: int
    model: BatteryModel
    serial: str | None
    dip: DipState | None  # None when the ID is beyond the model's address range
    firmware_installed: str | None
    was_at: RackPosition  # where it stands in the spec (differs in a corrected plan)
    found_id: int | None = None  # the ID the spec says is set today

    @property
    def firmware_ok(self) -> bool | None:
        if self.firmware_installed is None:
            return None
        return self.model.accepts_firmware(self.firmware_installed)

    @property
    def dip_words(self) -> str:
        if self.dip is None:
            return "no address"
        return " · ".join(f"{n} {state}" for n, state in enumerate(self.dip, start=1))


@dataclass(frozen=True)
class CableRun:
    """The neighbour cable between `upper` and `upper + 1`, as it must be."""

    upper: RackPosition
    kind: CableKind
    found_pins: frozenset[int] | None  # as listed in the spec, if it lists cables

    @property
    def lower(self) -> RackPosition:
        return self.upper + 1

    @property
    def pins(self) -> tuple[int, ...]:
        return SIGNAL_ONLY if self.kind == "pins-7-8-only" else ALL_PINS


@dataclass(frozen=True)
class BomLine:
    kind: str  # battery | neighbour-cable | firmware-cable
    item: str
    quantity: int
    note: str
    unit_kwh: float | None = None

    @property
    def total_kwh(self) -> float | None:
        return None if self.unit_kwh is None else round(self.unit_kwh * self.quantity, 2)


@dataclass(frozen=True)
class InstallPlan:
    job: JobInfo
    paper: str
    inverter: str | None
    batteries: tuple[PlannedBattery, ...]
    cables: tuple[CableRun, ...]
    findings: tuple[Finding, ...]
    corrected: bool  # the order differs from the spec's: this is the corrected arrangement
    as_found: bool = False  # the bank as the spec describes it, wrongs included

    @property
    def kwh(self) -> float:
        return round(sum(battery.model.kwh for battery in self.batteries), 2)

    @property
    def master(self) -> PlannedBattery | None:
        return self.batteries[0] if self.batteries else None

    @property
    def has_errors(self) -> bool:
        return has_errors(list(self.findings))

    @property
    def cables_listed(self) -> bool:
        """Whether the spec said which cables are there (an as-found plan only)."""
        return any(cable.found_pins is not None for cable in self.cables)

    def bom(self) -> list[BomLine]:
        """Bill of materials: batteries by model (newest first), cables by kind."""
        count = Counter(battery.model.name for battery in self.batteries)
        models = sorted(
            {b.model.name: b.model for b in self.batteries}.values(), key=lambda model: model.rank
        )
        lines = [
            BomLine(
                "battery",
                f"Battery {m.name}",
                count[m.name],
                f"{m.volts:g} V {m.amp_hours:g} Ah",
                m.kwh,
            )
            for m in models
        ]
        kinds = Counter(cable.kind for cable in self.cables)
        if kinds["standard"]:
            lines.append(
                BomLine(
                    "neighbour-cable",
                    "Neighbour cable, standard Cat5e patch",
                    kinds["standard"],
                    "all 8 pins, straight through (T568B)",
                )
            )
        if kinds["pins-7-8-only"]:
            lines.append(
                BomLine(
                    "neighbour-cable",
                    "Neighbour cable, pins 7 and 8 only",
                    kinds["pins-7-8-only"],
                    "Cat5e, only pins 7 and 8 populated, straight through",
                )
            )
        lines.append(
            BomLine(
                "firmware-cable",
                "Firmware-update cable (PC to battery, RS485)",
                1,
                "pins 1 (RS485-B) and 2 (RS485-A), for BMS Tools",
            )
        )
        return lines

    def as_json_dict(self) -> dict[str, object]:
        """The plan JSON contract of design.md (plus a `bom` list for quoting systems)."""
        return {
            "bank": {
                "batteries": len(self.batteries),
                "kwh": self.kwh,
                "master": self.master.model.name if self.master else None,
            },
            "batteries": [
                {
                    "position": b.position,
                    "id": b.id,
                    "model": b.model.name,
                    "serial": b.serial,
                    "dip": list(b.dip) if b.dip else None,
                    "firmware": {
                        "required": list(b.model.firmware),
                        "installed": b.firmware_installed,
                    },
                }
                for b in self.batteries
            ],
            "cables": [
                {"between": [c.upper, c.lower], "pins": list(c.pins), "kind": c.kind}
                for c in self.cables
            ],
            "bom": [
                {
                    "kind": line.kind,
                    "item": line.item,
                    "quantity": line.quantity,
                    "note": line.note,
                    "kwh": line.total_kwh,
                }
                for line in self.bom()
            ],
        }


ORDER_CODES = {"E102", "E103"}


def plan_spec(spec: BankSpec, catalog: Catalog) -> InstallPlan:
    """The plan for a spec: its own order when that is valid, else the corrected order."""
    bank, findings = check(spec, catalog)
    keep_order = bank.complete and not any(f.code in ORDER_CODES for f in findings)
    racked = list(bank.batteries) if keep_order else arrange(bank.batteries)
    return build_plan(
        spec, racked, findings, corrected=not keep_order and racked != list(bank.batteries)
    )


def arrange(batteries: list[RackedBattery] | tuple[RackedBattery, ...]) -> list[RackedBattery]:
    """The valid order: newest model on top, each model in one group, stable within a model."""
    return sorted(batteries, key=lambda battery: battery.model.rank)


def build_plan(
    spec: BankSpec, racked: list[RackedBattery], findings: list[Finding], corrected: bool = False
) -> InstallPlan:
    models = [battery.model for battery in racked]
    planned = tuple(_planned(battery, position) for position, battery in enumerate(racked, start=1))
    found = spec.listed_pins()
    cables = tuple(
        CableRun(
            upper,
            "pins-7-8-only" if cable_must_be_restricted(models, upper) else "standard",
            None if corrected else found.get(upper),
        )
        for upper in range(1, len(racked))
    )
    return InstallPlan(
        spec.job, spec.paper, spec.inverter, planned, cables, tuple(findings), corrected
    )


def as_found_plan(spec: BankSpec, corrected: InstallPlan) -> InstallPlan:
    """The bank exactly as the spec describes it: its order, its IDs, its cables."""
    planned = tuple(
        replace(b, position=b.was_at, id=b.found_id or 0, dip=None)
        for b in sorted(corrected.batteries, key=lambda battery: battery.was_at)
    )
    found = spec.listed_pins()
    cables = tuple(
        CableRun(
            upper,
            "pins-7-8-only" if found.get(upper) == frozenset(SIGNAL_ONLY) else "standard",
            None if spec.cables is None else found.get(upper, frozenset()),
        )
        for upper in range(1, len(planned))
    )
    return replace(corrected, batteries=planned, cables=cables, corrected=False, as_found=True)


def _planned(battery: RackedBattery, position: int) -> PlannedBattery:
    dip = battery.model.dip
    states = dip.states(position) if dip.id_low <= position <= dip.id_high else None
    entry = battery.entry
    return PlannedBattery(
        position,
        position,
        battery.model,
        entry.serial,
        states,
        entry.firmware,
        entry.position,
        entry.id,
    )


def plan_inventory(text: str, catalog: Catalog) -> tuple[InstallPlan | None, list[Finding]]:
    """Plan a valid bank from a list of what is on hand: 'LL-S, 2x LL-V2 (4 DIP), LifePower4'."""
    spec, findings = parse_inventory(text)
    if findings:
        return None, findings
    bank, found = check(spec, catalog)
    errors = [f for f in found if f.code in {"E101"}]
    if errors:
        return None, errors
    arranged = arrange(bank.batteries)
    renumbered = [
        RackedBattery(replace(b.entry, position=n), b.model) for n, b in enumerate(arranged, 1)
    ]
    spec_sorted = BankSpec(
        spec.file, spec.source, batteries=tuple(b.entry for b in renumbered), slots=len(renumbered)
    )
    final_bank, final = check(spec_sorted, catalog)
    blocking = [f for f in final if f.is_error]
    if blocking:
        return None, blocking
    return build_plan(spec_sorted, list(final_bank.batteries), final), []
