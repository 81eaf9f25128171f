"""The sheet's instructions in words, from the one corrected plan and the catalog.

The firmware stage, the commissioning steps, the cable caution, where the cables plug in, how
each model's switches encode an ID and how a battery's ID adds up: each a `Msg` (or a few),
English templates with named values, printed in the reader's language where they are printed
(the sheet, the desk). No model name or hardware fact is written here: they come from the
catalog and the cable module. Light: no drawing, no layout.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.bank import cables
from generator.bank.catalog import BatteryModel, Catalog, DipState
from generator.bank.i18n import Msg, Plural, Translate, Value, join
from generator.bank.plan import InstallPlan, PlannedBattery


class Sentences(Msg):
    """Whole sentences one after another, each translated on its own."""

    __slots__ = ("lead", "parts")

    def __init__(self, *parts: Msg, lead: str = "") -> None:
        super().__init__("")
        self.parts = parts
        self.lead = lead  # before the first sentence: " " where one stands before it

    def render(self, translate: Translate | None = None) -> str:
        return self.lead + " ".join(part.render(translate) for part in self.parts)

    def templates(self) -> list[str]:
        return [template for part in self.parts for template in part.templates()]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sentences) and self.parts == other.parts

    def __hash__(self) -> int:
        return hash(self.parts)


@dataclass(frozen=True)
class Setting:
    """A switch block a step shows: the ID it sets and each lever, switch 1 first."""

    id: int
    states: DipState
    on_side: str  # where the model's block prints ON, as the catalog draws it

    @property
    def words(self) -> str:
        return " · ".join(f"{n} {state}" for n, state in enumerate(self.states, start=1))

    @property
    def caption(self) -> Msg:
        return Msg("ID {id}: {switches}", id=self.id, switches=self.words)


@dataclass(frozen=True)
class Step:
    """One numbered instruction; `ref` names a section the step points to, or None."""

    text: Msg
    ref: str | None = None
    after: str = ""  # the rest of the sentence after the reference
    settings: tuple[Setting, ...] = ()  # switch blocks drawn beside the step


def firmware_files(catalog: Catalog) -> Msg | None:
    """Where the multipack firmware files are and the guide inside them, as the interop guide
    says (the catalog's firmware_files); None where a catalog does not say."""
    files = catalog.firmware_files
    if files is None:
        return None
    return Msg(
        'Files: {where}; unzip them and follow the included "{guide}".',
        where=Msg(files.where),
        guide=files.guide,
    )


def firmware_steps(plan: InstallPlan) -> tuple[Step, ...]:
    """The firmware stage, before the bank is assembled: one battery at a time, powered on by
    itself, on the address BMS Tools needs where our sources give it."""
    update = join([str(pin) for pin in sorted(plan.catalog.wiring.update_signals)])
    return (
        Step(
            Msg(
                "Keep the battery off the bank: no neighbour cable and no inverter cable connected."
            )
        ),
        Step(tools_address(plan.models)),
        Step(Msg("Switch on this battery alone (its breaker and BMS switch).")),
        Step(
            Msg(
                "Connect the PC running BMS Tools through the firmware-update cable, pins {pins}.",
                pins=update,
            )
        ),
        Step(
            Msg("Update it to the required firmware below; write the version it now runs and tick.")
        ),
        Step(Msg("Switch it off and disconnect the PC; then the next battery.")),
    )


def tools_address(models: list[BatteryModel]) -> Msg:
    """Which address each model must have while BMS Tools updates it, where our sources say;
    for the other models the sheet says only that our sources do not give it."""
    by_setting: dict[tuple[int, tuple[str, ...]], list[BatteryModel]] = {}
    for model in models:
        if model.dip.tools_id is not None:
            key = (model.dip.tools_id, model.dip.states(model.dip.tools_id))
            by_setting.setdefault(key, []).append(model)
    sentences: list[Msg] = []
    for (address, states), known in by_setting.items():
        setting: Value | Msg = (
            Msg("all {count} switches {state}", count=len(states), state=states[0])
            if len(set(states)) == 1
            else " · ".join(f"{n} {state}" for n, state in enumerate(states, start=1))
        )
        names = join([model.name for model in known])
        inferred = [model.name for model in known if model.dip.inferred]
        if inferred:
            sentences.append(
                Msg(
                    "Set the DIP switches of each {models} to {setting} (ID {id}), the address "
                    "BMS Tools needs (inferred for the {inferred}, as its table is).",
                    models=names,
                    setting=setting,
                    id=address,
                    inferred=join(inferred),
                )
            )
        else:
            sentences.append(
                Msg(
                    "Set the DIP switches of each {models} to {setting} (ID {id}), the address "
                    "BMS Tools needs.",
                    models=names,
                    setting=setting,
                    id=address,
                )
            )
    unknown = [model.name for model in models if model.dip.tools_id is None]
    if unknown and sentences:
        sentences.append(
            Msg(
                "Our sources do not give that address for the {models}: follow BMS Tools' "
                "own instructions.",
                models=join(unknown),
            )
        )
    elif unknown:
        sentences.append(
            Msg(
                "Our sources do not give the address BMS Tools needs for the {models}: "
                "follow BMS Tools' own instructions.",
                models=join(unknown),
            )
        )
    return Sentences(*sentences)


def commissioning_steps(plan: InstallPlan) -> tuple[Step, ...]:
    """After every battery runs its firmware: charging first where a manual asks it,
    addresses, cables, power on from the master down, the inverter protocol as the master's
    manual says (at its protocol address where the catalog gives one)."""
    master = plan.master.model if plan.master else None
    inverter = (
        Msg(
            "Connect the master (ID 1, at the top) to the inverter through its {ports} port.",
            ports=Msg(master.inverter_ports),
        )
        if master and master.inverter_ports
        else Msg("Connect the master (ID 1, at the top) to the inverter, as their manuals say.")
    )
    neighbours = []
    if any(cable.kind == cables.RESTRICTED for cable in plan.cables):
        text = Msg(
            "Connect the neighbour cables, the {restricted} cables where marked, as listed in",
            restricted=Msg(cables.label(cables.RESTRICTED)),
        )
        neighbours.append(Step(text, "cables", "."))
    elif plan.cables:
        neighbours.append(Step(Msg("Connect the neighbour cables as listed in"), "cables", "."))
    several = len(plan.batteries) > 1
    powering: tuple[Step, ...]
    if master and master.protocol_address is not None:
        powering = (
            Step(
                Msg("Power on the master (ID 1) alone first.")
                if several
                else Msg("Power on the battery.")
            ),
            *protocol_at_address(master),
        )
        if several:
            powering += (
                Step(Msg("Then power on the other batteries one at a time, down the rack.")),
            )
    else:
        powering = (
            Step(
                Msg("Power on one battery at a time: the master (ID 1) first, then down the rack.")
                if several
                else Msg("Power on the battery.")
            ),
            Step(protocol_as_manual(master)),
        )
    return (
        switch_off(plan.models),
        Step(
            Msg("Set every battery's DIP address (each model has its own table) as shown in"),
            "dip",
            ".",
        ),
        *neighbours,
        Step(inverter),
        *powering,
    )


def switch_off(models: list[BatteryModel]) -> Step:
    """Breakers and BMS switches off; first, where a model's manual asks it (the catalog's
    charge_first), each battery charged alone to 100% before the bank is paralleled."""
    asking = [model.name for model in models if model.charge_first]
    if not asking:
        return Step(Msg("Switch off every battery breaker and BMS switch."))
    return Step(
        Msg(
            "Charge each battery alone to 100% before paralleling ({models} manual); then "
            "switch off every breaker and BMS switch.",
            models=join(asking),
        )
    )


def protocol_as_manual(master: BatteryModel | None) -> Msg:
    """The inverter protocol where our sources give no address step: on the master's screen
    only where the catalog says how the screen sets it; otherwise as its manual says."""
    if master and master.protocol_setting:
        return Msg(
            "Choose the inverter protocol on the master's screen as the {model} manual "
            "says ({setting}); it is not set with DIP switches.",
            model=master.name,
            setting=Msg(master.protocol_setting),
        )
    if master:
        return Msg(
            "Set the inverter protocol on the master as the {model} manual says.",
            model=master.name,
        )
    return Msg("Set the inverter protocol on the master as its manual says.")


def protocol_at_address(master: BatteryModel) -> tuple[Step, Step]:
    """The 4-switch LL masters: the protocol changes only at the catalog's protocol address,
    after a restart with the BMS button; then back to ID 1 and restart again. Both settings
    drawn and worded as the block's own ON and OFF, never a direction."""
    address = master.protocol_address
    assert address is not None
    dip = master.dip
    there = Setting(address, dip.states(address), dip.on_side)
    back = Setting(1, dip.states(1), dip.on_side)
    match = Msg(
        "ON and OFF as printed on the switch block: match its label, whichever way it faces."
    )
    text = (
        Msg(
            "The {model} manual allows the inverter protocol to be changed only at address "
            "{address}: set the master's DIP switches to ID {address} ({switches}) and restart "
            "it with only its BMS power button; then, on its screen, {setting}. {match}",
            model=master.name,
            address=address,
            switches=there.words,
            setting=Msg(master.protocol_setting),
            match=match,
        )
        if master.protocol_setting
        else Msg(
            "The {model} manual allows the inverter protocol to be changed only at address "
            "{address}: set the master's DIP switches to ID {address} ({switches}), restart it "
            "with only its BMS power button and choose the protocol as the manual says. {match}",
            model=master.name,
            address=address,
            switches=there.words,
            match=match,
        )
    )
    again = Msg(
        "Set the master back to ID 1 ({switches}) and restart it again with its BMS power button.",
        switches=back.words,
    )
    return Step(text, settings=(there,)), Step(again, settings=(back,))


def port_note(models: list[BatteryModel]) -> Msg:
    """Where the neighbour cables plug in, for the models in this bank that our sources name."""
    by_port: dict[str, list[str]] = {}
    for model in models:
        if model.comm_ports:
            by_port.setdefault(model.comm_ports, []).append(model.name)
    unnamed = [model.name for model in models if not model.comm_ports]
    # The chain's ends are told only where every battery in it has the named ports.
    ends = not unnamed and len(by_port) <= 1
    parts: list[Msg] = [  # the port's name is printed on the battery: it stays as it is
        Msg(
            'On the {models} the neighbour cables go between the two "{port}" ports: the '
            "chain runs from the right port of the last address to the left port of the master.",
            models=join(names),
            port=port,
        )
        if ends
        else Msg(
            'On the {models} the neighbour cables go between the two "{port}" ports.',
            models=join(names),
            port=port,
        )
        for port, names in by_port.items()
    ]
    if unnamed:
        parts.append(
            Msg(
                "Our sources do not name the ports of the {models}: check the label on the "
                "battery.",
                models=join(unnamed),
            )
        )
    return Sentences(*parts)


def caution(plan: InstallPlan) -> Msg:
    """The cable caution: which cables carry only pins 7 and 8, from which battery down, and
    the breaker only where a model with one is in the bank."""
    restricted = [c for c in plan.cables if c.kind == cables.RESTRICTED]
    if not restricted:
        return Msg(
            "This bank does not mix new-generation batteries with older ones: ordinary Cat5e "
            "patch cables are fine between neighbours. A cable missing pin 7 or 8 carries no "
            "communication."
        )
    first = plan.batteries[restricted[0].upper - 1]
    pairs = ", ".join(f"{c.upper}–{c.lower}" for c in restricted)
    breakers = cables.breaker_models(plan.models)
    why: Msg | str = (
        Sentences(
            Msg(
                "If {pins} carry a signal, the {models} trips its breaker.",
                pins=cables.pin_words(cables.breaker_pins(plan.models), "or"),
                models=join([m.name for m in breakers]),
            ),
            lead=" ",  # a sentence of its own, after the one before
        )
        if breakers
        else ""
    )
    return Msg(
        "From the {model} at position {position}, the last multipack battery, down through "
        "every older battery, the cables between positions {pairs} must have ONLY pins 7 and "
        "8 populated.{why} A cable missing pin 7 or 8 carries no communication.",
        model=first.model.name,
        position=first.position,
        pairs=pairs,
        why=why,
    )


# --- DIP switches ----------------------------------------------------------------------


def encoding(model: BatteryModel) -> Msg:
    """How a model's switches encode an ID: each switch's value, which state counts, the IDs."""
    dip = model.dip
    values = ", ".join(f"{n}={w}" for n, w in enumerate(dip.weights, start=1))
    top = 1 << dip.switches
    return Msg(
        "Switch values {values} · a switch adds its value when {state} · {special}IDs {low}–{high}",
        values=values,
        state=dip.one_when,
        special=Msg("all ON = ID {top} · ", top=top) if dip.id_high == top else "",
        low=dip.usable_low,
        high=dip.id_high,
    )


def zero_note(model: BatteryModel) -> Msg | None:
    """'ID 0 (all OFF) is never used' where a model's table has an ID 0, and why where the
    catalog says (the LifePower4: a battery at 0 answers every poll)."""
    dip = model.dip
    if dip.id_low != 0:
        return None
    zero = dip.states(0)
    setting: Msg | str = (
        Msg("all {state}", state=zero[0]) if len(set(zero)) == 1 else " · ".join(zero)
    )
    if dip.zero_note:
        return Msg(
            "ID 0 ({setting}) is never used: {why}. IDs start at 1, the master.",
            setting=setting,
            why=Msg(dip.zero_note),
        )
    return Msg(
        "ID 0 ({setting}) is not used in a bank: IDs start at 1, the master.", setting=setting
    )


def dip_value(battery: PlannedBattery, short: bool = False) -> Msg:
    """How the ID adds up, so an installer can check the drawing against the battery's label
    (`short`: the sum only, where the words beside it already say which switches count)."""
    dip = battery.model.dip
    if battery.dip is None:  # beyond the bank's address range: no ID at all
        return Msg("TAKE OUT OF THIS BANK")
    counting = [
        (n, w)
        for n, (w, s) in enumerate(zip(dip.weights, battery.dip, strict=True), 1)
        if s == dip.one_when
    ]
    if not counting:
        return Msg("no switch {state}: value 0 = ID {id}", state=dip.one_when, id=battery.id)
    total = " + ".join(str(w) for _w, w in sorted(counting, key=lambda c: -c[1]))
    if short:
        return Msg("{only}", only=f"ID {battery.id} = {total}")
    return Plural(
        "ID {id} = {total} (switch {switches} {state})",
        "ID {id} = {total} (switches {switches} {state})",
        len(counting),
        id=battery.id,
        total=total,
        switches=", ".join(str(n) for n, _w in counting),
        state=dip.one_when,
    )
