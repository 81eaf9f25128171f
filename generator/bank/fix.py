"""`plan --fix`: the corrected spec, keeping the user's comments, key order and job fields.

Order, IDs and cables can be corrected by rewriting the spec; unknown models, shape errors
and a bank larger than its address range cannot, and are reported instead. Installed
firmware that is wrong is removed (the checklist then asks for it) and kept in a comment.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from generator.bank.catalog import Catalog
from generator.bank.diagnostics import Finding
from generator.bank.rules import SIGNAL_PINS, cable_must_be_restricted, check
from generator.bank.spec import BankSpec

UNFIXABLE = {"E001", "E002", "E003", "E004", "E101", "E105"}
ALL_PINS = [1, 2, 3, 4, 5, 6, 7, 8]


@dataclass
class FixResult:
    text: str | None  # the corrected spec, or None when it cannot be corrected
    blocking: list[Finding]  # why not
    changes: list[str]  # what was changed, in words


def fix_spec(spec: BankSpec, shape_findings: list[Finding], catalog: Catalog) -> FixResult:
    findings = check(spec, catalog)[1]
    blocking = [f for f in shape_findings + findings if f.code in UNFIXABLE]
    if blocking:
        return FixResult(None, blocking, [])
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)  # the style of design.md and bank_specs/
    data = yaml.load(spec.source.decode("utf-8-sig"))
    entries: CommentedSeq = data["batteries"]
    changes: list[str] = []
    ranks = [_rank(entry, catalog) for entry in entries]
    order = sorted(range(len(entries)), key=lambda index: ranks[index])
    if order != list(range(len(entries))):
        _reorder(entries, order)
        changes.append("batteries reordered: newest model on top, each model in one group")
    models = []
    position = 1
    for entry in entries:
        model = catalog.find(str(entry["model"]))
        assert model is not None  # E101 would have blocked
        count = int(entry.get("count", 1))
        models.extend([model] * count)
        if "id" in entry and entry["id"] != position:
            changes.append(
                f"{model.name} now at position {position}: id {entry['id']} -> {position}"
            )
            entry["id"] = position
        installed = entry.get("firmware")
        if installed is not None and not model.accepts_firmware(str(installed)):
            needed = " or ".join(model.firmware)
            said = _eol_comment(entry, "firmware")
            del entry["firmware"]
            note = f"found firmware {installed}" + (f" ({said})" if said else "")
            entry.yaml_add_eol_comment(f"{note}: update to {needed}", "model")
            changes.append(
                f"{model.name} at position {position}: firmware {installed} removed "
                f"(update to {needed}; the checklist asks for it)"
            )
        position += count
    if "cables" in data:
        changes += _fix_cables(data, models)
    out = io.StringIO()
    yaml.dump(data, out)
    return FixResult(out.getvalue(), [], changes)


def _rank(entry: Any, catalog: Catalog) -> int:
    model = catalog.find(str(entry["model"]))
    return model.rank if model else 0


def _reorder(entries: CommentedSeq, order: list[int]) -> None:
    """Reorder a ruamel sequence in place, moving each item's comments with it."""
    items = [entries[index] for index in order]
    comments = {
        new: entries.ca.items[old] for new, old in enumerate(order) if old in entries.ca.items
    }
    entries.clear()
    entries.extend(items)
    entries.ca.items.clear()
    entries.ca.items.update(comments)


def _fix_cables(data: CommentedMap, models: list[Any]) -> list[str]:
    """One cable per neighbour pair: keep a listed cable that is right here, else replace it."""
    listed: dict[int, Any] = {}
    for cable in data["cables"] or []:
        ends = sorted(int(end) for end in cable["between"])
        if len(ends) == 2 and ends[1] - ends[0] == 1 and ends[1] <= len(models):
            listed.setdefault(ends[0], cable)
    fixed = CommentedSeq()
    changes = []
    for upper in range(1, len(models)):
        restricted = cable_must_be_restricted(models, upper)
        wanted = sorted(SIGNAL_PINS) if restricted else ALL_PINS
        cable = listed.get(upper)
        pins = {int(pin) for pin in cable["pins"]} if cable is not None else set()
        fine = pins == set(SIGNAL_PINS) if restricted else pins >= SIGNAL_PINS
        if cable is not None and fine:
            fixed.append(cable)
            continue
        kind = "pins 7 and 8 only" if restricted else "standard"
        changes.append(f"cable {upper}-{upper + 1}: {'replaced' if cable else 'added'} ({kind})")
        if cable is None:
            fixed.append(_cable(upper, wanted))
        else:  # keep the entry, and so its comments; only the pins change
            cable["pins"] = _flow(wanted)
            fixed.append(cable)
    data["cables"] = fixed
    return changes


def _cable(upper: int, pins: list[int]) -> CommentedMap:
    cable = CommentedMap()
    cable["between"] = _flow([upper, upper + 1])
    cable["pins"] = _flow(pins)
    cable.fa.set_flow_style()
    return cable


def _flow(values: list[int]) -> CommentedSeq:
    """A list written inline, [7, 8], as people write pins."""
    sequence = CommentedSeq(values)
    sequence.fa.set_flow_style()
    return sequence


def _eol_comment(entry: CommentedMap, key: str) -> str | None:
    """The comment at the end of `key`'s line, without its '#'."""
    tokens = entry.ca.items.get(key)
    token = tokens[2] if tokens and len(tokens) > 2 else None
    if token is None:
        return None
    text = str(token.value).strip().lstrip("#").strip()
    return text.splitlines()[0].strip() if text else None
