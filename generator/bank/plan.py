"""The install plan: rack order, IDs, DIP states, cables, firmware, BOM; corrected and as found.

There is one corrected plan for a bank: the newest model on top, each model in one group,
groups newest to oldest down the rack (stable within a model), IDs counting down from 1,
every cable the kind the cable rule asks for. Hints, the sheet, the change list and
`plan --fix` all take their instructions from it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from generator.bank import cables
from generator.bank.cables import CableKind
from generator.bank.catalog import BatteryModel, Catalog, DipState
from generator.bank.diagnostics import Finding, has_errors
from generator.bank.i18n import Msg, join
from generator.bank.rack import Bank, RackedBattery
from generator.bank.spec import JobInfo, RackPosition


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
    leaves: bool = False  # beyond the bank's address range: it is taken out of this bank

    @property
    def firmware_ok(self) -> bool | None:
        if self.firmware_installed is None:
            return None
        return self.model.accepts_firmware(self.firmware_installed)

    @property
    def switch_words(self) -> Msg:
        """How the switches must stand, in words: '1 OFF · 2 ON · 3 ON · 4 OFF' (switch 1
        first, ON and OFF as printed on the block), or 'no address'."""
        if self.dip is None:
            return Msg("take out of this bank") if self.leaves else Msg("no address")
        return Msg("{only}", only=" · ".join(f"{n} {s}" for n, s in enumerate(self.dip, start=1)))

    @property
    def dip_words(self) -> str:
        """The switch words in English (the plan JSON's `switches`, the terminal)."""
        return str(self.switch_words)


@dataclass(frozen=True)
class CableRun:
    """The neighbour cable between `upper` and `upper + 1`: the kind it must be, and in an
    as-found plan the pins the spec lists for it (None: no cable there)."""

    upper: RackPosition
    kind: CableKind
    found_pins: frozenset[int] | None = None
    kept: frozenset[int] | None = None  # corrected: the listed cable that stays, as it is

    @property
    def lower(self) -> RackPosition:
        return self.upper + 1

    @property
    def pins(self) -> tuple[int, ...]:
        """The pins this cable has once the work is done: a kept cable's own."""
        return tuple(sorted(self.kept)) if self.kept is not None else cables.pins_of(self.kind)

    @property
    def label(self) -> str:
        return cables.label(self.kind)


@dataclass(frozen=True)
class BomLine:
    kind: str  # battery | neighbour-cable | firmware-cable
    text: Msg  # the item, printable in the sheet's language
    quantity: int
    note_text: Msg
    unit_kwh: float | None = None

    @property
    def item(self) -> str:
        return str(self.text)

    @property
    def note(self) -> str:
        return str(self.note_text)

    @property
    def total_kwh(self) -> float | None:
        return None if self.unit_kwh is None else round(self.unit_kwh * self.quantity, 2)


@dataclass(frozen=True)
class InstallPlan:
    job: JobInfo
    paper: str
    inverter: str | None
    catalog: Catalog
    batteries: tuple[PlannedBattery, ...]
    cables: tuple[CableRun, ...]
    findings: tuple[Finding, ...]
    corrected: bool  # the order differs from the spec's: this is the corrected arrangement
    as_found: bool = False  # the bank as the spec describes it, wrongs included
    cables_listed: bool = False  # as found: the spec says which cables are there

    def battery_from(self, was_at: RackPosition) -> PlannedBattery | None:
        """The battery that stands at `was_at` in the spec."""
        for battery in self.batteries:
            if battery.was_at == was_at:
                return battery
        return None

    def cable_at(self, upper: RackPosition) -> CableRun | None:
        return self.cables[upper - 1] if 1 <= upper <= len(self.cables) else None

    @property
    def models(self) -> list[BatteryModel]:
        """The models in this bank, newest first, each once."""
        return sorted({b.model.name: b.model for b in self.batteries}.values(), key=_rank)

    @property
    def kwh(self) -> float:
        """The bank's capacity (the batteries past its address range are not in it)."""
        return round(sum(battery.model.kwh for battery in self.batteries if not battery.leaves), 2)

    @property
    def master(self) -> PlannedBattery | None:
        return self.batteries[0] if self.batteries else None

    @property
    def has_errors(self) -> bool:
        return has_errors(list(self.findings))

    def bom(self) -> list[BomLine]:
        """Bill of materials: batteries by model (newest first), cables by kind."""
        count = Counter(b.model.name for b in self.batteries if not b.leaves)
        models = self.models
        lines = [
            BomLine(
                "battery",
                Msg("Battery {model}", model=m.name),
                count[m.name],
                Msg("{volts} V {amp_hours} Ah", volts=f"{m.volts:g}", amp_hours=f"{m.amp_hours:g}"),
                m.kwh,
            )
            for m in models
            if count[m.name]
        ]
        # Cables the spec lists and that stay are in place; the others are to bring.
        kept = Counter(cable.kind for cable in self.cables if cable.kept is not None)
        new = Counter(cable.kind for cable in self.cables if cable.kept is None)
        for kind, text in cables.KINDS.items():
            item, note = Msg(text.bom_item), Msg(text.bom_note)
            if kept[kind]:
                lines.append(
                    BomLine(
                        "neighbour-cable", Msg("{item} (in place)", item=item), kept[kind], note
                    )
                )
            if new[kind]:
                bring = Msg("{item} (to bring)", item=item) if kept else item
                lines.append(BomLine("neighbour-cable", bring, new[kind], note))
        lines.append(
            BomLine(
                "firmware-cable",
                Msg("Firmware-update cable (PC to battery, RS485)"),
                1,
                Msg(
                    "pins {pins}, for BMS Tools",
                    pins=join(
                        [
                            f"{pin} ({signal})"
                            for pin, signal in sorted(self.catalog.wiring.update_signals.items())
                        ]
                    ),
                ),
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
                    "id": None if b.leaves else b.id,
                    "model": b.model.name,
                    "serial": b.serial,
                    "dip": list(b.dip) if b.dip else None,
                    "switches": b.dip_words,
                    "firmware": {
                        "required": list(b.model.firmware),
                        "installed": b.firmware_installed,
                    },
                }
                for b in self.batteries
            ],
            "cables": [
                {
                    "between": [c.upper, c.lower],
                    "pins": list(c.pins),
                    "kind": c.kind,
                    "label": c.label,
                }
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


def _rank(model: BatteryModel) -> int:
    return model.rank


def arrange(batteries: tuple[RackedBattery, ...]) -> list[RackedBattery]:
    """The valid order: newest model on top, each model in one group, groups newest to
    oldest, stable within a model. An order that is already right stays as it is."""
    return sorted(batteries, key=lambda battery: battery.model.rank)


def in_range(racked: list[RackedBattery]) -> int:
    """How many batteries, from the top of the corrected order, the bank can address: the
    ones below are taken out of this bank. Taking out the bottom battery may lift the limit
    (the last LifePower4 out, the 4-switch LL tables reach 16), so it is counted again."""
    keep = len(racked)
    while keep and keep > min(battery.model.dip.id_high for battery in racked[:keep]):
        keep -= 1
    return keep


def corrected_plan(bank: Bank) -> InstallPlan:
    """The one corrected plan for a bank (findings are added by the rules). Batteries beyond
    the address range stay in the plan at the bottom, marked as leaving, with no address;
    the cables are those of the bank that remains. A listed cable that is right where it
    runs after the re-rack is kept as it is."""
    racked = arrange(bank.batteries)
    keep = in_range(racked)
    planned = tuple(
        _planned(battery, position, leaves=position > keep)
        for position, battery in enumerate(racked, 1)
    )
    models = [battery.model for battery in racked[:keep]]
    kinds = cables.required_kinds(models)
    spec = bank.spec
    listed = spec.listed_pins() if spec.cables is not None and bank.complete else {}
    breakers = cables.breaker_pins(models)
    runs = []
    for upper, kind in enumerate(kinds, start=1):
        found = listed.get(upper)
        right = found is not None and not cables.faults(found, kind, breakers)
        runs.append(CableRun(upper, kind, kept=found if right else None))
    return InstallPlan(
        spec.job,
        spec.paper,
        spec.inverter,
        bank.catalog,
        planned,
        tuple(runs),
        (),
        corrected=not bank.complete or racked != list(bank.batteries),
    )


def as_found_plan(bank: Bank, corrected: InstallPlan) -> InstallPlan:
    """The bank exactly as the spec describes it: its order, its IDs, its cables; each cable
    with the kind the rule asks for in that order, so its faults can be marked."""
    planned = tuple(
        replace(b, position=b.was_at, id=b.found_id or 0, dip=None, leaves=False)
        for b in sorted(corrected.batteries, key=lambda battery: battery.was_at)
    )
    found = bank.spec.listed_pins()
    listed = bank.spec.cables is not None
    slots = bank.spec.slots
    # With an unknown model somewhere the rule cannot place the mixed segment: no kind is
    # claimed then (standard), and the drawing shows the pins as listed.
    unplaced: list[CableKind] = ["standard"] * max(slots - 1, 0)
    kinds = (
        cables.required_kinds([battery.model for battery in planned]) if bank.complete else unplaced
    )
    runs = tuple(
        CableRun(upper, kind, found.get(upper) if listed else None)
        for upper, kind in enumerate(kinds, start=1)
    )
    return replace(
        corrected,
        batteries=planned,
        cables=runs,
        corrected=False,
        as_found=True,
        cables_listed=listed,
    )


def _planned(battery: RackedBattery, position: int, leaves: bool = False) -> PlannedBattery:
    dip = battery.model.dip
    states = dip.states(position) if dip.usable(position) and not leaves else None
    entry = battery.entry
    installed = entry.firmware and (
        battery.model.canonical_firmware(entry.firmware) or entry.firmware
    )
    return PlannedBattery(
        position,
        position,
        battery.model,
        entry.serial,
        states,
        installed,
        entry.position,
        entry.id,
        leaves,
    )
