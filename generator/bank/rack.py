"""The bank as found: each battery of the spec with its catalog model resolved."""

from __future__ import annotations

from dataclasses import dataclass

from generator.bank.catalog import BatteryModel, Catalog
from generator.bank.diagnostics import Finding
from generator.bank.i18n import Msg
from generator.bank.spec import BankSpec, BatteryEntry, RackPosition
from generator.bank.yamlsrc import shown


@dataclass(frozen=True)
class RackedBattery:
    """A battery from the spec with its catalog model resolved."""

    entry: BatteryEntry
    model: BatteryModel

    @property
    def position(self) -> RackPosition:
        return self.entry.position

    @property
    def said(self) -> Msg:
        """How every message names a battery: model, rack position and ID (when set)."""
        if self.entry.id is None:
            return Msg(
                "{model} at position {position}", model=self.model.name, position=self.position
            )
        return Msg(
            "{model} at position {position} with ID {id}",
            model=self.model.name,
            position=self.position,
            id=self.entry.id,
        )

    @property
    def label(self) -> str:
        return str(self.said)


@dataclass(frozen=True)
class Bank:
    spec: BankSpec
    catalog: Catalog
    batteries: tuple[RackedBattery, ...]
    complete: bool  # every rack position is readable and its model known

    def at(self, position: RackPosition) -> RackedBattery | None:
        for battery in self.batteries:
            if battery.position == position:
                return battery
        return None

    @property
    def models(self) -> list[BatteryModel]:
        return [battery.model for battery in self.batteries]


def resolve(spec: BankSpec, catalog: Catalog) -> tuple[Bank, list[Finding]]:
    """Match each battery to its catalog model; E101 for names that match none."""
    findings: list[Finding] = []
    racked = []
    for entry in spec.batteries:
        model = catalog.find(entry.model_name)
        if model is None:
            if not any(f.location == entry.model_at for f in findings):  # once per 'count' entry
                findings.append(unknown_model(entry, catalog))
        else:
            racked.append(RackedBattery(entry, model))
    complete = len(racked) == spec.slots and spec.slots > 0
    return Bank(spec, catalog, tuple(racked), complete), findings


def unknown_model(entry: BatteryEntry, catalog: Catalog) -> Finding:
    near = catalog.closest_names(entry.model_name)
    names = near or [model.name for model in catalog.models]
    message = Msg(
        "unknown model {name} at position {position}",
        name=shown(entry.model_name),
        position=entry.position,
    )
    if near:
        message = Msg("{message}; closest: {names}", message=message, names=", ".join(near))
    hint = Msg("use one of: {names}", names=", ".join(names))
    return Finding.of("E101", message, entry.model_at, hint, entry.position)
