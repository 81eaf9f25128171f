"""What a typed battery name names: one guide model, a battery the guide does not cover, or
several models it could be.

Names are compared as `name_key` compares them (case, spaces, dashes and brackets aside).
Written as on an invoice ("EG4 LL-S 48V 100Ah", "EG4-LL 48V 100AH V2 (4 DIP)"), the vendor
prefix, the voltage and the capacity are set aside before the name is looked up, and resolve
only where they agree with the model's nominal data. A name that could be several models is
never guessed: the candidates are listed with how to tell them apart. A battery the guide
does not cover is recognised by its own name and never offered a look-alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.bank.catalog import BatteryModel, Catalog, NotCovered, name_key
from generator.bank.yamlsrc import closest

Entry = BatteryModel | NotCovered

_NUMBER = r"(?<![\w.])(\d{1,4}(?:\.\d{1,2})?)\s*"
_END = r"(?![\w.])"
VOLTS = re.compile(_NUMBER + r"v(?:dc)?" + _END, re.IGNORECASE)
AMP_HOURS = re.compile(_NUMBER + r"ah" + _END, re.IGNORECASE)
KWH = re.compile(_NUMBER + r"kwh" + _END, re.IGNORECASE)
TOKEN = re.compile(r"[a-z]+|[0-9]+")
SWITCHES = re.compile(r"(?<![0-9])([0-9])\s*-?\s*dip(?:\s*switch(?:es)?)?(?![a-z])", re.IGNORECASE)


@dataclass(frozen=True)
class Rating:
    """What an invoice-style name says of the battery: volts, amp-hours, kWh it gives."""

    volts: tuple[float, ...] = ()
    amp_hours: tuple[float, ...] = ()
    kwh: tuple[float, ...] = ()

    def fits(self, model: BatteryModel) -> bool:
        volts = {model.volts, model.labelled_volts}
        return (
            all(value in volts for value in self.volts)
            and all(value == model.amp_hours for value in self.amp_hours)
            and all(value == model.kwh for value in self.kwh)
        )


@dataclass(frozen=True)
class Named:
    """What a typed name names; at most one of model, refused, mismatch or candidates."""

    model: BatteryModel | None = None  # one guide model
    refused: NotCovered | None = None  # a battery the interop guide does not cover
    mismatch: BatteryModel | None = None  # names this model, with a rating it does not have
    candidates: tuple[Entry, ...] = ()  # the name could be any of these (two or more)
    closest: tuple[Entry, ...] = ()  # otherwise: the nearest names, best first


def identify(catalog: Catalog, typed: str) -> Named:
    """What `typed` names in `catalog` (see the module's docstring)."""
    model, refused = catalog.find(typed), catalog.refused(typed)
    if model is not None:
        return Named(model=model)
    if refused is not None:
        return Named(refused=refused)
    rest, rating = invoice_parts(typed, catalog.vendors)
    if rest != typed:
        model, refused = catalog.find(rest), catalog.refused(rest)
        if model is not None:
            return Named(model=model) if rating.fits(model) else Named(mismatch=model)
        if refused is not None:
            return Named(refused=refused)
    candidates = _candidates(catalog, rest)
    if len(candidates) >= 2:
        return Named(candidates=candidates)
    return Named(closest=_closest(catalog, rest))


def invoice_parts(typed: str, vendors: tuple[str, ...]) -> tuple[str, Rating]:
    """The name without a leading vendor word, voltage, capacity and energy, and those values."""
    rest = typed.strip()
    for vendor in vendors:
        prefix = re.match(re.escape(vendor) + r"(?:[\s_-]+|$)", rest, re.IGNORECASE)
        if prefix:
            rest = rest[prefix.end() :]
            break
    found: list[tuple[float, ...]] = []
    for pattern in (VOLTS, AMP_HOURS, KWH):
        found.append(tuple(float(value) for value in pattern.findall(rest)))
        rest = pattern.sub(" ", rest)
    rest = " ".join(rest.replace(",", " ").split())
    return (rest if rest != typed.strip() else typed), Rating(*found)


def _tokens(name: str) -> frozenset[str]:
    return frozenset(TOKEN.findall(name.lower()))


def _entries(catalog: Catalog) -> list[Entry]:
    return [*sorted(catalog.models, key=lambda model: model.rank), *catalog.not_covered]


def _candidates(catalog: Catalog, rest: str) -> tuple[Entry, ...]:
    """Every entry whose name or an alias has all the words of `rest` ("LL V2": both LL-V2),
    and as many DIP switches as it says ("LL 4 DIP": the LL-V2 (4 DIP) and the LL-V1)."""
    said = {int(count) for count in SWITCHES.findall(rest)}
    words = _tokens(SWITCHES.sub(" ", rest))
    if not words or len(said) > 1:
        return ()
    return tuple(
        entry
        for entry in _entries(catalog)
        if any(words <= _tokens(name) for name in (entry.name, *entry.aliases))
        and (not said or switches(entry) in said)
    )


def switches(entry: Entry) -> int | None:
    """How many DIP switches the battery has, where the catalog says."""
    return entry.dip.switches if isinstance(entry, BatteryModel) else entry.dip_switches


def _closest(catalog: Catalog, rest: str) -> tuple[Entry, ...]:
    """The nearest names; all of the guide's models or all not covered, as the nearest is, so
    that a battery the guide does not cover is never offered the model it looks like."""
    index: dict[str, Entry] = {}
    for entry in _entries(catalog):
        for name in (entry.name, *entry.aliases):
            index.setdefault(name_key(name), entry)
    key = name_key(rest)[:40]  # no name is longer
    near = list(dict.fromkeys(index[found] for found in closest(key, index, count=6)))
    if not near:  # e.g. "LL-V": every model whose name starts like it
        near = [m for m in catalog.models if name_key(m.name).startswith(key)] if key else []
    if near:
        kind = type(near[0])
        near = [entry for entry in near if type(entry) is kind]
    return tuple(near[:3])
