"""Bank spec: YAML text -> a typed spec that keeps the line and column of every value."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from yaml.nodes import Node

from generator.bank.cables import ALL_PINS, RESTRICTED, pins_of
from generator.bank.diagnostics import Finding, Location
from generator.bank.fields import Choice, Key, ListOf, Section, Text, Whole, read_words
from generator.bank.i18n import LANGUAGES, Msg, join
from generator.bank.limits import MAX_COUNT
from generator.bank.paper import DEFAULT_PAPER, PAPERS
from generator.bank.yamlsrc import NULL_TAG, NodeReader, read_source

RackPosition = int  # counted from the top of the rack, starting at 1
BatteryId = int
POSITION = Whole(1, MAX_COUNT)  # a rack position
PIN = Whole(min(ALL_PINS), max(ALL_PINS))  # a pin of an RJ45 plug

# Every key of a bank spec, declared once: the loader below reads by these definitions and
# `eg4sheet schema` prints them as a JSON Schema (generator/schema.py).
JOB = Section(
    (
        *(
            Key(name, Text(longest, multiline=name == "notes"), description, example)
            for name, longest, description, example in [
                (
                    "title",
                    200,
                    "What the sheet is for; its heading.",
                    "Garcia residence, ESS bank A",
                ),
                ("customer", 200, "The customer's name.", "Maria Garcia"),
                ("site", 200, "Where the bank is installed.", "4810 Ridgeview Dr, Round Rock TX"),
                ("installer", 200, "Who installs it.", "Lone Star Solar Works LLC"),
                ("quote", 200, "The quote or job number.", "Q-2026-0317"),
                ("revision", 200, "The revision of this sheet, as you number them.", 2),
                ("date", 200, "The date for the title block, printed as written.", "2026-11-24"),
                (
                    "notes",
                    2000,
                    "Notes for the installer, printed on the sheet.",
                    "Rack in the garage.",
                ),
            ]
        ),
        Key(
            "lang",
            Choice(LANGUAGES),
            "The language of this job's sheet: en (English) or es (Spanish). `build --lang` "
            "overrides it; the company settings may set a default.",
            "es",
        ),
    )
)
BATTERY = Section(
    (
        Key(
            "model",
            Text(100, required_text=True, offers="models"),
            "The battery model: a name or alias from `eg4sheet models`; case and spacing do not "
            "matter, nor an invoice's vendor, voltage and capacity ('EG4 LL-S 48V 100Ah'). "
            "Batteries the interop guide does not cover (`eg4sheet models` lists them) are "
            "refused (E111).",
            "LL-S",
            required=True,
        ),
        Key(
            "serial",
            Text(100),
            "The serial number on the battery's label.",
            "LLS2409-1187",
            one_battery=True,
        ),
        Key(
            "firmware",
            Text(100),
            "The firmware installed now, if known; checked against what the model needs.",
            "Z02T12",
        ),
        Key(
            "count",
            Whole(1, MAX_COUNT),
            "This many identical batteries in a row (a shorthand for repeated entries).",
            2,
            default=1,
        ),
        Key(
            "id",
            Whole(0, MAX_COUNT),
            "The ID set on the battery's DIP switches today, if known; checked against the rules.",
            1,
            one_battery=True,
        ),
    )
)
CABLE = Section(
    (
        Key(
            "between",
            ListOf(POSITION, fewest=2, most=2),
            "The two adjacent rack positions the cable joins, counted from the top.",
            [4, 5],
            required=True,
        ),
        Key(
            "pins",
            ListOf(PIN),
            "The pins that are populated in the cable.",
            list(pins_of(RESTRICTED)),
            required=True,
        ),
    )
)
SPEC = Section(
    (
        Key(
            "job",
            JOB,
            "The title block: every field optional, printed as written.",
            {"title": "Garcia residence, ESS bank A", "customer": "Maria Garcia", "revision": 1},
        ),
        Key(
            "paper",
            Choice(tuple(PAPERS)),
            "The paper size of the sheet.",
            tuple(PAPERS)[-1],
            default=DEFAULT_PAPER,
        ),
        Key(
            "inverter",
            Text(100),
            "The inverter, free text; drawn above the master battery.",
            "EG4 18kPV",
        ),
        Key(
            "batteries",
            ListOf(BATTERY, fewest=1, most=MAX_COUNT),
            "The rack, TOP FIRST: one entry per battery, or per run of identical ones with count.",
            [{"model": "LL-S", "serial": "LLS2409-1187"}, {"model": "LL-V2 (4 DIP)", "count": 2}],
            required=True,
        ),
        Key(
            "cables",
            ListOf(CABLE),
            "The neighbour cables as they actually are; leave it out and the plan prescribes them.",
            [{"between": [4, 5], "pins": list(pins_of(RESTRICTED))}],
        ),
    )
)

TOP_KEYS = SPEC.names
BATTERY_KEYS = BATTERY.names
CABLE_KEYS = CABLE.names
DEFAULT_PAPER = str(SPEC["paper"].default)
BETWEEN = CABLE.list_of("between")


@dataclass(frozen=True)
class JobInfo:
    """The title-block fields; every one optional and printed as the user wrote it."""

    title: str | None = None
    customer: str | None = None
    site: str | None = None
    installer: str | None = None
    quote: str | None = None
    revision: str | None = None
    date: str | None = None
    notes: str | None = None
    lang: str | None = None  # the sheet's language, when this job asks for one


JOB_KEYS = JOB.names  # the fields of JobInfo (a test holds them equal)


@dataclass(frozen=True)
class BatteryEntry:
    """One battery in the rack, after `count` is expanded."""

    position: RackPosition
    model_name: str  # as the user typed it
    at: Location  # the entry itself
    model_at: Location
    serial: str | None = None
    firmware: str | None = None  # installed now, if known
    firmware_at: Location | None = None
    id: BatteryId | None = None  # set today, if given
    id_at: Location | None = None
    index: int = 0  # which entry of the 'batteries' list it came from (0 = the first)


@dataclass(frozen=True)
class CableEntry:
    """A neighbour cable as it actually is."""

    between: tuple[RackPosition, RackPosition]
    pins: frozenset[int]
    at: Location
    between_at: Location
    pins_at: Location


@dataclass(frozen=True)
class BankSpec:
    file: str
    source: bytes
    job: JobInfo = field(default_factory=JobInfo)
    paper: str = DEFAULT_PAPER
    inverter: str | None = None
    batteries: tuple[BatteryEntry, ...] = ()
    cables: tuple[CableEntry, ...] | None = None  # None: the plan prescribes them
    cables_complete: bool = True  # False when some cable entry could not be read
    cables_at: Location | None = None
    slots: int = 0  # rack positions listed, readable or not
    start: Location | None = None

    def listed_pins(self) -> dict[RackPosition, frozenset[int]]:
        """Pins of the listed cable between each neighbour pair, by upper position (the first
        entry counts when a pair is listed twice, as in the rules)."""
        pins: dict[RackPosition, frozenset[int]] = {}
        for cable in self.cables or ():
            upper, lower = sorted(cable.between)
            if lower - upper == 1:
                pins.setdefault(upper, cable.pins)
        return pins


def load_spec(
    path: str | Path, shown_as: str | None = None
) -> tuple[BankSpec | None, list[Finding]]:
    """Read a spec file; raises UnreadableFile when it cannot be read at all."""
    return parse_spec(read_source(path), shown_as or str(path))


def parse_spec(data: bytes, file: str) -> tuple[BankSpec | None, list[Finding]]:
    """The spec and the shape findings (E001-E004); None when there is no mapping to read."""
    reader = NodeReader(file)
    root = reader.compose(data, what="spec")
    if root is None:
        return None, reader.findings
    top = reader.mapping(root, Msg("the spec"), TOP_KEYS)
    if top is None:
        reader.findings[-1] = Finding.of(
            "E001",
            Msg("the spec is not a mapping of keys to values"),
            reader.at(root),
            Msg("start from one of the examples in bank_specs/"),
        )
        return None, reader.findings
    spec = BankSpec(
        file=file,
        source=data,
        job=_read_job(reader, top["job"]) if "job" in top else JobInfo(),
        paper=(read_words(reader, SPEC["paper"], top["paper"], "paper") or DEFAULT_PAPER)
        if "paper" in top
        else DEFAULT_PAPER,
        inverter=read_words(reader, SPEC["inverter"], top["inverter"], "inverter")
        if "inverter" in top
        else None,
        batteries=(batteries := _read_batteries(reader, root, top.get("batteries")))[0],
        slots=batteries[1],
        start=reader.at(root),
    )
    if "cables" in top:
        before = len(reader.findings)
        cables = _read_cables(reader, top["cables"])
        spec = replace(
            spec,
            cables=cables,
            cables_complete=len(reader.findings) == before,
            cables_at=reader.at(top["cables"]),
        )
    return spec, reader.findings


def _read_job(reader: NodeReader, node: Node) -> JobInfo:
    values = reader.mapping(node, "job", JOB_KEYS)
    if values is None:
        return JobInfo()
    return JobInfo(
        **{
            key: read_words(reader, JOB[key], value, Msg("job {key}", key=key))
            for key, value in values.items()
        }
    )


def _read_batteries(
    reader: NodeReader, root: Node, node: Node | None
) -> tuple[tuple[BatteryEntry, ...], int]:
    """The readable batteries, and how many rack positions the list takes."""
    hint = Msg(
        "list the batteries top first, each as '- model: NAME' with a name that "
        "'eg4sheet models' lists"
    )
    if node is None:
        reader.report("E004", root, Msg("the spec has no 'batteries' list"), hint)
        return (), 0
    items = reader.sequence(node, "batteries")
    if items is None:
        return (), 0
    if not items:
        message = Msg("'batteries' is empty: a bank needs at least one battery")
        reader.report("E004", node, message, hint)
        return (), 0
    batteries: list[BatteryEntry] = []
    position = 1  # a slot counts even when its entry is unreadable, so later positions stay true
    for index, item in enumerate(items):
        if position > MAX_COUNT:
            reader.report(
                "E002",
                item,
                Msg("more than {count} batteries are listed", count=MAX_COUNT),
                Msg("no model's address range allows more; split the bank"),
                position,
            )
            break
        entries = _read_battery(reader, item, position, index)
        batteries.extend(entries)
        position += max(len(entries), 1)
    return tuple(batteries[:MAX_COUNT]), min(position - 1, MAX_COUNT)


def _read_battery(reader: NodeReader, node: Node, position: int, index: int) -> list[BatteryEntry]:
    what = Msg("battery at position {position}", position=position)
    values = reader.mapping(node, what, BATTERY_KEYS, position)
    if values is None:
        return []
    if "model" not in values:
        misspelled = any(f.code == "E003" and f.position == position for f in reader.findings)
        if not misspelled:  # an unknown key such as 'modle' was reported already
            reader.report(
                "E002",
                node,
                Msg("{what} has no model", what=what),
                Msg("add 'model:' with a name that 'eg4sheet models' lists"),
                position,
            )
        return []
    model = read_words(
        reader, BATTERY["model"], values["model"], Msg("model of {what}", what=what), position
    )
    if not model:
        if model is not None or values["model"].tag == NULL_TAG:  # others were reported
            reader.report(
                "E002",
                values["model"],
                Msg("model of {what} is empty", what=what),
                Msg("write the model as 'eg4sheet models' lists it"),
                position,
            )
        return []

    def optional_text(key: str) -> str | None:
        if key not in values:
            return None
        return read_words(
            reader, BATTERY[key], values[key], Msg("{key} of {what}", key=key, what=what), position
        )

    def optional_int(key: str) -> int | None:
        limits = BATTERY.whole(key)
        return (
            reader.integer(
                values[key],
                Msg("{key} of {what}", key=key, what=what),
                limits.low,
                limits.high,
                position,
            )
            if key in values
            else None
        )

    count = optional_int("count") or 1
    serial, battery_id = optional_text("serial"), optional_int("id")
    given = {"serial": serial, "id": battery_id}
    if count > 1:
        for key in (key.name for key in BATTERY if key.one_battery):
            if given[key] is not None:
                reader.report(
                    "E002",
                    values[key],
                    Msg("{what} has count {count} and one {key}", what=what, count=count, key=key),
                    Msg("give each battery its own entry to set its {key}", key=key),
                    position,
                )
        serial = battery_id = None
    entry = BatteryEntry(
        position=position,
        model_name=model,
        at=reader.at(node),
        model_at=reader.at(values["model"]),
        serial=serial,
        firmware=optional_text("firmware"),
        firmware_at=reader.at(values["firmware"]) if "firmware" in values else None,
        id=battery_id,
        id_at=reader.at(values["id"]) if "id" in values else None,
        index=index,
    )
    return [replace(entry, position=position + offset) for offset in range(count)]


def _read_cables(reader: NodeReader, node: Node) -> tuple[CableEntry, ...]:
    items = reader.sequence(node, "cables") or []
    cables = []
    for number, item in enumerate(items, start=1):
        what = Msg("cable {number}", number=number)
        values = reader.mapping(item, what, CABLE_KEYS)
        if values is None:
            continue
        missing = [key for key in CABLE.required if key not in values]
        if missing:
            reader.report(
                "E002",
                item,
                Msg("{what} lacks {keys}", what=what, keys=join(missing)),
                Msg(
                    "write e.g. 'between: [4, 5]' and 'pins: {pins}'",
                    pins=str(list(pins_of(RESTRICTED))),
                ),
            )
            continue
        between_nodes = reader.sequence(values["between"], Msg("between of {what}", what=what))
        if between_nodes is not None and len(between_nodes) != BETWEEN.fewest:
            reader.report(
                "E002",
                values["between"],
                Msg(
                    "between of {what} must name two positions, not {count}",
                    what=what,
                    count=len(between_nodes),
                ),
                Msg("write e.g. 'between: [4, 5]'"),
            )
            between_nodes = None
        ends = [
            reader.integer(n, Msg("a position in {what}", what=what), POSITION.low, POSITION.high)
            for n in between_nodes or []
        ]
        pin_nodes = reader.sequence(values["pins"], Msg("pins of {what}", what=what))
        pins = [
            reader.integer(n, Msg("a pin of {what}", what=what), PIN.low, PIN.high)
            for n in pin_nodes or []
        ]
        if pin_nodes is None or len(ends) != 2 or None in ends or None in pins:
            continue
        cables.append(
            CableEntry(
                between=(ends[0], ends[1]),  # type: ignore[arg-type]
                pins=frozenset(pins),  # type: ignore[arg-type]
                at=reader.at(item),
                between_at=reader.at(values["between"]),
                pins_at=reader.at(values["pins"]),
            )
        )
    return tuple(cables)
