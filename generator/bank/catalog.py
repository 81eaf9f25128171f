"""The model catalog: models, aliases, DIP encodings, firmware, read from data into types."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from yaml.nodes import MappingNode, Node

from generator.bank.diagnostics import capped
from generator.bank.limits import MAX_COUNT
from generator.bank.pins import SIGNAL_PINS, pin_list
from generator.bank.yamlsrc import NodeReader, closest, read_source
from generator.errors import CatalogError

DEFAULT_CATALOG = Path(__file__).with_name("data") / "catalog.yaml"

SwitchState = Literal["ON", "OFF"]
DipState = tuple[SwitchState, ...]  # switch 1 first, each as the lever physically stands
Generation = Literal["current", "legacy"]


def name_key(name: str) -> str:
    """How names are compared: case, spaces, dashes and brackets do not matter."""
    return re.sub(r"[^a-z0-9.]", "", name.lower())


FIRST_ID = 1  # the master's ID; a bank's IDs count on from it, down the rack


@dataclass(frozen=True)
class DipBlock:
    """One model's address switch block and how it encodes a battery ID."""

    switches: int
    weights: tuple[int, ...]  # weight of switch 1, switch 2, ...
    one_when: SwitchState  # the lever position at which a switch adds its weight
    id_low: int
    id_high: int
    on_side: Literal["up", "down"]
    inferred: bool
    source: str
    tools_id: int | None = None  # the address BMS Tools needs for a firmware update, if known
    zero_note: str | None = None  # why ID 0 is never used in a bank (a clause), where given

    @property
    def usable_low(self) -> int:
        """The lowest ID a bank uses: 1, the master (a table's ID 0 is never used)."""
        return max(self.id_low, FIRST_ID)

    def usable(self, battery_id: int) -> bool:
        """Whether a battery in a bank can have this ID on these switches."""
        return self.usable_low <= battery_id <= self.id_high

    def states(self, battery_id: int) -> DipState:
        """Each switch's lever position for this ID (an ID of 2**switches is set as 0)."""
        if not self.id_low <= battery_id <= self.id_high:
            raise ValueError(f"ID {battery_id} is outside {self.id_low}-{self.id_high}")
        value = battery_id % (1 << self.switches)
        zero_when: SwitchState = "ON" if self.one_when == "OFF" else "OFF"
        return tuple(self.one_when if value & weight else zero_when for weight in self.weights)

    def describe(self) -> str:
        order = ", ".join(f"{n}={w}" for n, w in enumerate(self.weights, start=1))
        return f"{self.switches} switches, weights {order}; a switch counts when {self.one_when}"


@dataclass(frozen=True)
class BatteryModel:
    name: str
    rank: int  # 1 = newest
    generation: Generation
    aliases: tuple[str, ...]
    firmware: tuple[str, ...]  # accepted multipack firmware versions, any one will do
    volts: float
    amp_hours: float
    dip: DipBlock
    breaker_pins: frozenset[int] = frozenset()  # a signal on these trips its breaker
    comm_ports: str | None = None  # the neighbour-cable ports' name, where sources give it
    inverter_ports: str | None = None  # the master's ports to the inverter, where given
    protocol_setting: str | None = None  # how the master's screen sets the inverter protocol
    labelled_volts: float | None = None  # the voltage invoices and labels give ("48V")
    # The address the master is set to, and restarted at, before its screen lets the inverter
    # protocol be changed (the 4-switch LL models: 16), where our sources give it.
    protocol_address: int | None = None
    charge_first: bool = False  # its manual asks for each battery charged to 100% alone first

    @property
    def kwh(self) -> float:
        return round(self.volts * self.amp_hours / 1000, 2)

    def accepts_firmware(self, installed: str) -> bool:
        return self.canonical_firmware(installed) is not None

    def canonical_firmware(self, installed: str) -> str | None:
        """The catalog's spelling of an accepted version as the user wrote it, or None.

        Case, spaces and dashes do not matter, and the leading letter may be left out when
        the rest is the same: '3.37' on a LifePower4 is V3.37, as its display shows it.
        """
        given = name_key(installed)
        for version in self.firmware:
            wanted = name_key(version)
            if given == wanted or (wanted[:1].isalpha() and given and given == wanted[1:]):
                return version
        return None


@dataclass(frozen=True)
class NotCovered:
    """A battery the interop guide does not cover: recognised by name and refused (E111),
    never planned as one of the guide's models it looks like."""

    name: str
    aliases: tuple[str, ...]
    reason: str  # why it cannot be planned as one of the guide's models (a clause)
    source: str
    dip_switches: int | None = None  # how many address switches it has (0: none), if known


@dataclass(frozen=True)
class Wiring:
    """The cable facts the sheet prints: T568B colours and the signal names of the pins."""

    colours: dict[int, str]  # pin -> T568B colour, "white/orange"
    neighbour_signals: dict[int, str]  # pin -> signal, battery-to-battery cable
    update_signals: dict[int, str]  # pin -> signal, firmware-update cable
    signal_note: str


@dataclass(frozen=True)
class FirmwareFiles:
    """Where the multipack firmware files are, and the guide that comes with them."""

    where: str
    guide: str


@dataclass(frozen=True)
class Catalog:
    models: tuple[BatteryModel, ...]
    source: str
    wiring: Wiring
    not_covered: tuple[NotCovered, ...] = ()
    vendors: tuple[str, ...] = ()  # words an invoice puts before a model name ("EG4")
    firmware_files: FirmwareFiles | None = None

    @functools.cached_property
    def _by_key(self) -> dict[str, BatteryModel]:
        index: dict[str, BatteryModel] = {}
        for model in self.models:
            for name in (model.name, *model.aliases):
                index[name_key(name)] = model
        return index

    @functools.cached_property
    def _refused_by_key(self) -> dict[str, NotCovered]:
        return {
            name_key(name): battery
            for battery in self.not_covered
            for name in (battery.name, *battery.aliases)
        }

    def find(self, name: str) -> BatteryModel | None:
        """The model with exactly this name or alias (case, spaces and dashes aside)."""
        return self._by_key.get(name_key(name))

    def refused(self, name: str) -> NotCovered | None:
        """The battery the guide does not cover with exactly this name or alias."""
        return self._refused_by_key.get(name_key(name))

    def closest_names(self, name: str) -> list[str]:
        """Canonical names nearest to what the user typed, best first."""
        keys = closest(name_key(name)[:40], self._by_key, count=6)  # no model name is longer
        names = list(dict.fromkeys(self._by_key[key].name for key in keys))
        if not names:  # e.g. "LL-V2": every model whose name starts like it
            names = [m.name for m in self.models if name_key(m.name).startswith(name_key(name))]
        return names[:3]


@functools.cache
def default_catalog() -> Catalog:
    return load_catalog(DEFAULT_CATALOG)


def load_catalog(path: str | Path) -> Catalog:
    """Read and check a catalog file; raise CatalogError listing every problem."""
    reader = NodeReader(str(path))
    root = reader.compose(read_source(path, "catalog file"), what="catalog")
    top = reader.mapping(root, "the catalog", TOP_KEYS) if root is not None else None
    models = _read_models(reader, root, top) if root is not None and top is not None else []
    refused = _read_not_covered(reader, top["not_covered"]) if top and "not_covered" in top else []
    vendors = (
        _text_list(reader, top["vendors"], "vendors", allow_empty=True)
        if top and "vendors" in top
        else ()
    )
    files = _read_files(reader, top["firmware_files"]) if top and "firmware_files" in top else None
    _check_unique(reader, models, refused)
    wiring = _read_wiring(reader, root, top) if root is not None and top is not None else None
    if wiring is not None:
        _check_breakers(reader, models, wiring)
    if reader.findings or wiring is None:
        raise CatalogError(f"{path}: not a valid catalog", capped(reader.findings))
    return Catalog(
        tuple(model for model, _ in models),
        str(path),
        wiring,
        tuple(battery for battery, _ in refused),
        vendors or (),
        files,
    )


def _read_files(reader: NodeReader, node: Node) -> FirmwareFiles | None:
    fields = reader.mapping(node, "firmware_files", ["where", "guide"])
    if fields is None:
        return None
    if set(fields) != {"where", "guide"}:
        reader.report("E002", node, "firmware_files needs 'where' and 'guide'")
        return None
    where = reader.text(fields["where"], "where", longest=300)
    guide = reader.text(fields["guide"], "guide", longest=300)
    return FirmwareFiles(where, guide) if where and guide else None


def _read_models(
    reader: NodeReader, root: Node, top: dict[str, Node]
) -> list[tuple[BatteryModel, Node]]:
    if "models" not in top:
        reader.report("E004", root, "the catalog has no 'models' list")
        return []
    items = reader.sequence(top["models"], "models")
    if items is not None and not items:
        reader.report("E004", top["models"], "the catalog's 'models' list is empty")
    items = items or []
    models = [_read_model(reader, item) for item in items]
    return [(model, item) for model, item in zip(models, items, strict=True) if model]


WIRING_KEYS = ["t568b", "neighbour_signals", "update_signals", "signal_note"]


def _read_wiring(reader: NodeReader, root: Node, top: dict[str, Node]) -> Wiring | None:
    if "wiring" not in top:
        reader.report("E004", root, "the catalog has no 'wiring' section (pin colours, signals)")
        return None
    fields = reader.mapping(top["wiring"], "wiring", WIRING_KEYS)
    if fields is None:
        return None
    missing = [key for key in WIRING_KEYS if key not in fields]
    if missing:
        reader.report("E002", top["wiring"], f"wiring lacks {', '.join(missing)}")
        return None
    colours = _pin_texts(reader, fields["t568b"], "t568b")
    neighbour = _pin_texts(reader, fields["neighbour_signals"], "neighbour_signals")
    update = _pin_texts(reader, fields["update_signals"], "update_signals")
    note = reader.text(fields["signal_note"], "signal_note", longest=1000)
    if colours is None or neighbour is None or update is None or note is None:
        return None
    if sorted(colours) != list(range(1, 9)):
        reader.report("E002", fields["t568b"], "t568b must give the colour of pins 1 to 8")
        return None
    if set(neighbour) != SIGNAL_PINS:
        reader.report(
            "E002",
            fields["neighbour_signals"],
            f"neighbour_signals must name {pin_list(SIGNAL_PINS)}, the pins batteries signal on",
        )
        return None
    return Wiring(colours, neighbour, update, note)


def _pin_texts(reader: NodeReader, node: Node, what: str) -> dict[int, str] | None:
    """A mapping of pin numbers (1-8) to short texts."""
    if not isinstance(node, MappingNode):
        reader.report("E002", node, f"{what} must map pin numbers to text")
        return None
    values: dict[int, str] = {}
    for key_node, value_node in node.value:
        pin = reader.integer(key_node, f"a pin in {what}", 1, 8)
        text = reader.text(value_node, f"the text for a pin in {what}", longest=40)
        if pin is None or not text:
            return None
        if pin in values:
            reader.report("E002", key_node, f"pin {pin} appears twice in {what}")
            return None
        values[pin] = text
    return values


TOP_KEYS = ["wiring", "models", "vendors", "firmware_files", "not_covered"]
MODEL_KEYS = ["name", "rank", "generation", "aliases", "firmware", "nominal", "dip"]
OPTIONAL_MODEL_KEYS = [
    "breaker_pins",
    "comm_ports",
    "inverter_ports",
    "protocol_setting",
    "protocol_address",
    "charge_first",
]
NOMINAL_KEYS = ["volts", "amp_hours", "labelled_volts"]
NOT_COVERED_KEYS = ["name", "aliases", "reason", "source"]
OPTIONAL_NOT_COVERED_KEYS = ["dip_switches"]
DIP_KEYS = ["switches", "weights", "one_when", "id_range", "on_side", "inferred", "source"]
OPTIONAL_DIP_KEYS = ["tools_id", "zero_note"]


def _read_model(reader: NodeReader, node: Node) -> BatteryModel | None:
    fields = reader.mapping(node, "a catalog model", MODEL_KEYS + OPTIONAL_MODEL_KEYS)
    if fields is None:
        return None
    missing = [key for key in MODEL_KEYS if key not in fields]
    if missing:
        reader.report("E002", node, f"a catalog model lacks {', '.join(missing)}")
        return None
    name = reader.text(fields["name"], "name")
    if name is not None and not name_key(name):
        reader.report("E002", fields["name"], f"the model name {name!r} has no letter or digit")
        name = None
    rank = reader.integer(fields["rank"], "rank", 1, 100)
    generation = reader.choice(fields["generation"], "generation", ["current", "legacy"])
    aliases = _text_list(reader, fields["aliases"], "aliases", allow_empty=True)
    firmware = _text_list(reader, fields["firmware"], "firmware", allow_empty=False)
    nominal = reader.mapping(fields["nominal"], "nominal", NOMINAL_KEYS) or {}
    labelled = (
        reader.number(nominal["labelled_volts"], "labelled_volts", 1, 1000)
        if "labelled_volts" in nominal
        else None
    )
    volts = reader.number(nominal["volts"], "volts", 1, 1000) if "volts" in nominal else None
    amp_hours = (
        reader.number(nominal["amp_hours"], "amp_hours", 1, 10000)
        if "amp_hours" in nominal
        else None
    )
    dip = _read_dip(reader, fields["dip"])
    breakers = (
        _int_list(reader, fields["breaker_pins"], "a breaker pin", 1, 8)
        if "breaker_pins" in fields
        else []
    )
    ports = reader.text(fields["comm_ports"], "comm_ports") if "comm_ports" in fields else None
    inverter_ports = (
        reader.text(fields["inverter_ports"], "inverter_ports")
        if "inverter_ports" in fields
        else None
    )
    protocol = (
        reader.text(fields["protocol_setting"], "protocol_setting")
        if "protocol_setting" in fields
        else None
    )
    protocol_address = (
        reader.integer(fields["protocol_address"], "protocol_address", 0, 256)
        if "protocol_address" in fields
        else None
    )
    charge_first = (
        reader.flag(fields["charge_first"], "charge_first") if "charge_first" in fields else False
    )
    if (
        protocol_address is not None
        and dip is not None
        and not dip.id_low <= protocol_address <= dip.id_high
    ):
        reader.report(
            "E002", fields["protocol_address"], "protocol_address must be an ID within id_range"
        )
        return None
    if (
        not name
        or rank is None
        or generation is None
        or aliases is None
        or firmware is None
        or volts is None
        or amp_hours is None
        or dip is None
        or breakers is None
    ):
        if volts is None or amp_hours is None:
            reader.report("E002", fields["nominal"], "nominal needs volts and amp_hours")
        return None
    return BatteryModel(
        name,
        rank,
        "current" if generation == "current" else "legacy",
        aliases,
        firmware,
        volts,
        amp_hours,
        dip,
        frozenset(breakers),
        ports or None,
        inverter_ports or None,
        protocol or None,
        labelled,
        protocol_address,
        bool(charge_first),
    )


def _text_list(
    reader: NodeReader, node: Node, what: str, allow_empty: bool
) -> tuple[str, ...] | None:
    items = reader.sequence(node, what)
    if items is None:
        return None
    texts = [reader.text(item, f"an entry of {what}") for item in items]
    if any(not text for text in texts):
        reader.report("E002", node, f"{what} has an empty entry")
        return None
    if not texts and not allow_empty:
        reader.report("E002", node, f"{what} must list at least one")
        return None
    return tuple(text for text in texts if text)


def _read_dip(reader: NodeReader, node: Node) -> DipBlock | None:
    fields = reader.mapping(node, "dip", DIP_KEYS + OPTIONAL_DIP_KEYS)
    if fields is None:
        return None
    missing = [key for key in DIP_KEYS if key not in fields]
    if missing:
        reader.report("E002", node, f"dip lacks {', '.join(missing)}")
        return None
    switches = reader.integer(fields["switches"], "switches", 1, 8)
    weights = _int_list(reader, fields["weights"], "a weight", 1, 128)
    one_when = reader.choice(fields["one_when"], "one_when", ["ON", "OFF"])
    id_range = _int_list(reader, fields["id_range"], "an id_range bound", 0, 256)
    on_side = reader.choice(fields["on_side"], "on_side", ["up", "down"])
    inferred = reader.flag(fields["inferred"], "inferred")
    source = reader.text(fields["source"], "source")
    tools_id = (
        reader.integer(fields["tools_id"], "tools_id", 0, 256) if "tools_id" in fields else None
    )
    zero_note = (
        reader.text(fields["zero_note"], "zero_note", longest=500)
        if "zero_note" in fields
        else None
    )
    if switches is None or weights is None or id_range is None:
        return None
    valid = True
    if sorted(weights) != [1 << bit for bit in range(switches)]:
        reader.report(
            "E002",
            fields["weights"],
            f"weights must be 1, 2, 4 … {1 << (switches - 1)}, once each, in switch order",
            "list the value each switch adds, switch 1 first",
        )
        valid = False
    if len(id_range) != 2 or not id_range[0] <= id_range[1] <= (1 << switches):
        reader.report(
            "E002",
            fields["id_range"],
            f"id_range must be [lowest, highest] with highest at most {1 << switches}",
            "e.g. [1, 16] for a 4-switch block",
        )
        valid = False
    elif id_range[1] > MAX_COUNT:
        reader.report(
            "E002",
            fields["id_range"],
            f"id_range reaches ID {id_range[1]}, but a bank spec lists at most {MAX_COUNT} "
            "batteries",
            f"give IDs up to {MAX_COUNT} at most, e.g. [1, {min(1 << switches, MAX_COUNT)}]",
        )
        valid = False
    elif id_range == [0, 1 << switches]:
        reader.report(
            "E002",
            fields["id_range"],
            "ID 0 and the top ID would share one setting",
            f"use [0, {(1 << switches) - 1}] or [1, {1 << switches}]",
        )
        valid = False
    elif not id_range[0] <= 1 <= id_range[1]:
        # IDs count up from the master, which is ID 1: a range without it leaves the master,
        # or every battery below it, with no address while the bank would validate OK.
        reader.report(
            "E002",
            fields["id_range"],
            f"id_range {id_range[0]}–{id_range[1]} does not include ID 1, the master's",
            "IDs count up from 1 at the master: the range must start at 0 or 1",
        )
        valid = False
    if tools_id is not None and len(id_range) == 2 and not id_range[0] <= tools_id <= id_range[1]:
        reader.report("E002", fields["tools_id"], "tools_id must be an ID within id_range")
        valid = False
    if not valid or one_when is None or on_side is None or inferred is None or source is None:
        return None
    return DipBlock(
        switches,
        tuple(weights),
        "ON" if one_when == "ON" else "OFF",
        id_range[0],
        id_range[1],
        "up" if on_side == "up" else "down",
        inferred,
        source,
        tools_id,
        zero_note or None,
    )


def _int_list(reader: NodeReader, node: Node, what: str, low: int, high: int) -> list[int] | None:
    """A list of whole numbers, or None when it or any of its items is wrong (reported)."""
    items = reader.sequence(node, what)
    if items is None:
        return None
    values = [reader.integer(item, what, low, high) for item in items]
    return None if None in values else [value for value in values if value is not None]


def _read_not_covered(reader: NodeReader, node: Node) -> list[tuple[NotCovered, Node]]:
    """Batteries the guide does not cover: name, aliases, the reason and its source."""
    found = []
    for item in reader.sequence(node, "not_covered") or []:
        fields = reader.mapping(
            item, "a battery not covered", NOT_COVERED_KEYS + OPTIONAL_NOT_COVERED_KEYS
        )
        if fields is None:
            continue
        missing = [key for key in NOT_COVERED_KEYS if key not in fields]
        if missing:
            reader.report("E002", item, f"a battery not covered lacks {', '.join(missing)}")
            continue
        name = reader.text(fields["name"], "name")
        aliases = _text_list(reader, fields["aliases"], "aliases", allow_empty=True)
        reason = reader.text(fields["reason"], "reason", longest=1000)
        source = reader.text(fields["source"], "source", longest=1000)
        switches = (
            reader.integer(fields["dip_switches"], "dip_switches", 0, 8)
            if "dip_switches" in fields
            else None
        )
        if name is not None and not name_key(name):
            reader.report("E002", fields["name"], f"the name {name!r} has no letter or digit")
            continue
        if not name or aliases is None or not reason or not source:
            continue
        found.append((NotCovered(name, aliases, reason, source, switches), item))
    return found


def _check_unique(
    reader: NodeReader,
    models: list[tuple[BatteryModel, Node]],
    refused: list[tuple[NotCovered, Node]],
) -> None:
    seen_names: dict[str, str] = {}
    seen_ranks: set[int] = set()
    for model, node in models:
        for name in (model.name, *model.aliases):
            owner = seen_names.setdefault(name_key(name), model.name)
            if owner != model.name:
                reader.report("E002", node, f"the name '{name}' of {model.name} is also {owner}'s")
        if model.rank in seen_ranks:
            reader.report("E002", node, f"rank {model.rank} of {model.name} is used twice")
        seen_ranks.add(model.rank)
    for battery, node in refused:  # a name is planned or refused, never both
        for name in (battery.name, *battery.aliases):
            owner = seen_names.setdefault(name_key(name), battery.name)
            if owner != battery.name:
                reader.report(
                    "E002", node, f"the name '{name}' of {battery.name} is also {owner}'s"
                )


def _check_breakers(
    reader: NodeReader, models: list[tuple[BatteryModel, Node]], wiring: Wiring
) -> None:
    """A breaker on a signal pin would make every neighbour cable trip it: no bank works."""
    for model, node in models:
        clash = sorted(model.breaker_pins & set(wiring.neighbour_signals))
        if clash:
            pins = " and ".join(str(pin) for pin in clash)
            reader.report(
                "E002",
                node,
                f"breaker_pins of {model.name} include pin {pins}, which carries the battery "
                "signal: every neighbour cable would trip it",
                "breaker pins are the ones that must stay unpopulated (3 and 6 for the LL-S)",
            )
