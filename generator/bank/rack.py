"""The bank as found: each battery of the spec with its catalog model resolved."""

from __future__ import annotations

from dataclasses import dataclass

from generator.bank.catalog import BatteryModel, Catalog, NotCovered, name_key
from generator.bank.diagnostics import Finding
from generator.bank.i18n import Msg, join
from generator.bank.names import Entry, Named, identify, switches
from generator.bank.spec import BankSpec, BatteryEntry, RackPosition
from generator.bank.yamlsrc import shown


def model_and_serial(model: str, serial: str | None) -> Msg | str:
    """'LL-V1 (serial LL1-2104-0092)': the one way a finding, a hint and a change step name a
    battery, by its serial wherever the spec gives one (the serial is on the battery's label,
    so the as-found and the corrected positions are never mistaken for each other); the
    model alone where it does not."""
    if serial:
        return Msg("{model} (serial {serial})", model=model, serial=serial)
    return model


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
        """How every message names a battery: model (and serial, when given), rack position
        and ID (when set)."""
        model = model_and_serial(self.model.name, self.entry.serial)
        if self.entry.id is None:
            return Msg("{model} at position {position}", model=model, position=self.position)
        return Msg(
            "{model} at position {position} with ID {id}",
            model=model,
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
    """Match each battery to its catalog model; E101 for a name that names no one model,
    E111 for a battery the interop guide does not cover."""
    findings: list[Finding] = []
    racked = []
    for entry in spec.batteries:
        named = identify(catalog, entry.model_name)
        if named.model is not None:
            racked.append(RackedBattery(entry, named.model))
        elif not any(f.location == entry.model_at for f in findings):  # once per 'count' entry
            findings.append(unresolved(entry, named, catalog))
    complete = len(racked) == spec.slots and spec.slots > 0
    return Bank(spec, catalog, tuple(racked), complete), findings


def unresolved(entry: BatteryEntry, named: Named, catalog: Catalog) -> Finding:
    """The finding for a name that is not one guide model, and how to put it right."""
    if named.refused is not None:
        return not_covered(entry, named.refused, catalog)
    guide = ", ".join(model.name for model in catalog.models)
    name = model_and_serial(shown(entry.model_name), entry.serial)
    if named.mismatch is not None:
        model = named.mismatch
        volts, amp_hours = f"{model.volts:g}", f"{model.amp_hours:g}"
        labelled = f"{model.labelled_volts or model.volts:g}"
        message = Msg(
            "{name} at position {position} is written like the {model}, but the {model} of "
            "the interop guide is {volts} V ({labelled} V on invoices) and {amp_hours} Ah",
            name=name,
            position=entry.position,
            model=model.name,
            volts=volts,
            labelled=labelled,
            amp_hours=amp_hours,
        )
        hint = Msg(
            "check the label on the battery and write the model as 'eg4sheet models' lists it"
        )
        return Finding.of("E101", message, entry.model_at, hint, entry.position)
    if named.candidates:
        message = Msg(
            "{name} at position {position} could be the {names}",
            name=name,
            position=entry.position,
            names=join([found.name for found in named.candidates], "or"),
        )
        refused = [found.name for found in named.candidates if isinstance(found, NotCovered)]
        if refused:
            message = Msg(
                "{message}; the interop guide does not cover the {refused}",
                message=message,
                refused=join(refused),
            )
        hint = tell_apart(named.candidates)
        return Finding.of("E101", message, entry.model_at, hint, entry.position)
    message = Msg("unknown model {name} at position {position}", name=name, position=entry.position)
    near = named.closest
    if near and all(isinstance(found, NotCovered) for found in near):
        message = Msg(
            "{message}; closest: {names}, which the interop guide does not cover",
            message=message,
            names=", ".join(found.name for found in near),
        )
        hint = Msg(
            "read the model on the battery's label; the interop guide covers only {names}",
            names=guide,
        )
        return Finding.of("E101", message, entry.model_at, hint, entry.position)
    if near:
        message = Msg(
            "{message}; closest: {names}",
            message=message,
            names=", ".join(found.name for found in near),
        )
    names = ", ".join(found.name for found in near) if near else guide
    hint = Msg("use one of: {names}", names=names)
    return Finding.of("E101", message, entry.model_at, hint, entry.position)


def not_covered(entry: BatteryEntry, battery: NotCovered, catalog: Catalog) -> Finding:
    """E111: named, with the reason it cannot be planned as one of the guide's models."""
    if name_key(entry.model_name) == name_key(battery.name):
        message = Msg(
            "{name} at position {position} is not covered by the interop guide: {reason}",
            name=model_and_serial(battery.name, entry.serial),
            position=entry.position,
            reason=Msg(battery.reason),
        )
    else:
        message = Msg(
            "{typed} at position {position} is the {name}, which the interop guide does not "
            "cover: {reason}",
            typed=model_and_serial(shown(entry.model_name), entry.serial),
            name=battery.name,
            position=entry.position,
            reason=Msg(battery.reason),
        )
    hint = Msg(
        "take it out of this bank and follow its own manual; eg4sheet plans only the interop "
        "guide's models ({names})",
        names=", ".join(model.name for model in catalog.models),
    )
    return Finding.of("E111", message, entry.model_at, hint, entry.position)


def tell_apart(candidates: tuple[Entry, ...]) -> Msg:
    """'6 DIP switches on the LL-V2 (6 DIP); 4 on the LL-V2 (4 DIP) and the LL-V1': how many
    address switches each has, from the catalog, grouped by count, most first."""
    by_count: dict[int | None, list[str]] = {}  # DIP switches -> the names that have so many
    for entry in candidates:
        by_count.setdefault(switches(entry), []).append(entry.name)
    if len(by_count) == 1 and None not in by_count:
        return Msg(
            "each has {count} DIP switches: write the model as the label on the battery names it",
            count=next(iter(by_count)),
        )
    parts: list[Msg] = []
    for count in sorted(by_count, key=lambda c: -1 if c is None else c, reverse=True):
        names = join(by_count[count])
        if count is None:
            parts.append(Msg("the label of the {names}", names=names))
        elif count == 0:
            parts.append(Msg("no DIP switches on the {names}", names=names))
        else:
            parts.append(Msg("{count} DIP switches on the {names}", count=count, names=names))
    return Msg(
        "tell them apart on the battery: {switches}; then write the model as its label names it",
        switches=_semicolons(parts),
    )


def _semicolons(parts: list[Msg]) -> Msg:
    if len(parts) == 1:
        return parts[0]
    return Msg("{first}; {rest}", first=parts[0], rest=_semicolons(parts[1:]))
