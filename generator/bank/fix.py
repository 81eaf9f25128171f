"""`plan --fix`: the corrected spec, keeping the user's comments, key order and job fields.

The spec is rewritten to say what the one corrected plan says: its order, its IDs, its
cables. Unknown models, shape errors and a bank larger than its address range cannot be
corrected by rewriting, and are reported instead. Installed firmware that is wrong is
removed (the checklist then asks for it) and kept in a comment; asked to keep the firmware
found (the support desk's form, which holds the bank as found), it stays, and so does its
error (E110), which says what to update it to.

Shape errors include values the loader refuses (control characters, YAML 1.1 octal or
base-60 numbers), so this module never guesses what they mean. Batteries that share a YAML
anchor are written out as independent entries before any is changed. What is written is
read back first with the loader: it must have no errors and keep every battery, serial and
job field; otherwise nothing is written.
"""

from __future__ import annotations

import copy
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from generator.bank import cables, comments
from generator.bank.analysis import analyse, unsolved
from generator.bank.catalog import Catalog
from generator.bank.diagnostics import Finding
from generator.bank.names import identify
from generator.bank.plan import InstallPlan, PlannedBattery
from generator.bank.spec import BankSpec, parse_spec

FIRMWARE_WRONG = "E110"


@dataclass
class FixResult:
    text: str | None  # the corrected spec, or None when it cannot be corrected
    blocking: list[Finding]  # why not
    changes: list[str]  # what was changed, in words


def fix_spec(
    spec: BankSpec, shape_findings: list[Finding], catalog: Catalog, keep_firmware: bool = False
) -> FixResult:
    analysis = analyse(spec, catalog, shape_findings)
    blocking = unsolved(analysis.findings)
    if blocking:
        return FixResult(None, blocking, [])
    plan = analysis.plan
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)  # the style of design.md and bank_specs/
    # Comment lines are lifted out and put back by the entries they were written on
    # (generator/bank/comments.py): ruamel would hang each on the entry above it.
    source, lifted = comments.lift(spec.source.decode("utf-8-sig"), ("batteries", "cables"))
    data = yaml.load(source)
    entries: CommentedSeq = data["batteries"]
    _unshare(entries)
    changes: list[str] = []
    # Each entry of the list, by the position its first battery takes in the corrected plan.
    first_position = {
        battery.entry.index: battery.position
        for battery in analysis.bank.batteries[::-1]  # reversed: the first battery wins
    }
    corrected_first = {
        index: _corrected(plan, position).position for index, position in first_position.items()
    }
    order = sorted(range(len(entries)), key=lambda index: corrected_first[index])
    if order != list(range(len(entries))):
        _reorder(entries, order)
        changes.append("batteries reordered: newest model on top, each model in one group")
    for index in order:
        entry = entries[order.index(index)]
        battery = _corrected(plan, first_position[index])
        if "id" in entry and entry["id"] != battery.id:
            changes.append(
                f"{battery.model.name} now at position {battery.position}: "
                f"id {entry['id']} -> {battery.id}"
            )
            entry["id"] = battery.id
        if battery.firmware_ok is False and not keep_firmware:
            needed = " or ".join(battery.model.firmware)
            said = _eol_comment(entry, "firmware")
            del entry["firmware"]
            note = f"found firmware {battery.firmware_installed}" + (f" ({said})" if said else "")
            entry.yaml_add_eol_comment(f"{note}: update to {needed}", "model")
            changes.append(
                f"{battery.model.name} at position {battery.position}: firmware "
                f"{battery.firmware_installed} removed (update to {needed}; the checklist "
                "asks for it)"
            )
    placed: dict[str, comments.Placed] = {"batteries": list(order)}
    if "cables" in data:
        _unshare(data["cables"] or [])
        old_cables = list(data["cables"] or [])
        changes += _fix_cables(data, spec, plan)
        placed["cables"] = comments.placed_by_identity(old_cables, data["cables"])
    out = io.StringIO()
    yaml.dump(data, out)
    text = comments.put_back(out.getvalue(), lifted, placed)
    problem = _written_problem(text, spec, catalog, keep_firmware)
    if problem is not None:
        return FixResult(None, [problem], [])
    return FixResult(text, [], changes)


def _unshare(items: list[Any]) -> None:
    """Entries that are one YAML node (an anchor and its aliases) become copies, so that
    changing one battery's ID or one cable's pins changes only that one."""
    seen: set[int] = set()
    for index, item in enumerate(items):
        if id(item) in seen:
            items[index] = copy.deepcopy(item)
        seen.add(id(items[index]))


def _written_problem(
    text: str, spec: BankSpec, catalog: Catalog, keep_firmware: bool = False
) -> Finding | None:
    """Why the corrected text must not be written (read back, it has errors or lost a
    battery, serial or job field), or None. A guard: a correct fix never trips it. Firmware
    kept as found keeps its error (E110), and nothing else."""
    written, shape = parse_spec(text.encode(), spec.file)
    where = spec.start or spec.batteries[0].at
    if written is None:
        reason = shape[0].message if shape else "not a spec"
        return Finding("E001", f"the corrected spec would not read back: {reason}", where)
    errors = [
        f
        for f in analyse(written, catalog, shape).findings
        if (f.is_error or f.code == "W201") and not (keep_firmware and f.code == FIRMWARE_WRONG)
    ]
    if errors:
        return Finding(
            errors[0].code,
            f"the corrected spec would still have this finding: {errors[0].message}",
            where,
            "correct it by hand; nothing was written",
        )
    if _kept(written, catalog, keep_firmware) != _kept(spec, catalog, keep_firmware):
        return Finding(
            "E002",
            "the corrected spec would not keep every battery, serial and job field as written",
            where,
            "correct it by hand; nothing was written",
        )
    return None


def _kept(spec: BankSpec, catalog: Catalog, all_firmware: bool = False) -> tuple[object, ...]:
    """What a correction must keep: job fields, paper, inverter, and each battery's model
    name, serial and (when right, or when all is kept) installed firmware, in any order."""
    batteries: Counter[tuple[str, str | None, str | None]] = Counter()
    for entry in spec.batteries:
        model = identify(catalog, entry.model_name).model  # as the rules resolve it
        right = (
            entry.firmware
            if all_firmware or (model and entry.firmware and model.accepts_firmware(entry.firmware))
            else None
        )
        batteries[(entry.model_name, entry.serial, right)] += 1
    return spec.job, spec.paper, spec.inverter, batteries


def _corrected(plan: InstallPlan, was_at: int) -> PlannedBattery:
    battery = plan.battery_from(was_at)
    assert battery is not None  # no unknown model (blocking): every battery is planned
    return battery


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


def _fix_cables(data: CommentedMap, spec: BankSpec, plan: InstallPlan) -> list[str]:
    """One cable per neighbour pair, as the corrected plan needs it: a listed cable that is
    right there is kept; a wrong one keeps its entry (and comments) with its pins changed."""
    listed: dict[int, Any] = {}
    changes = []
    for entry, cable in zip(data["cables"] or [], spec.cables or (), strict=False):
        upper, lower = sorted(cable.between)
        if lower - upper == 1 and lower <= len(plan.batteries) and upper not in listed:
            listed[upper] = (entry, cable.pins)
        else:
            changes.append(f"cable {upper}-{lower}: removed (not two neighbours, or listed twice)")
    breakers = cables.breaker_pins(plan.models)
    old: Any = data["cables"] or []
    fixed = CommentedSeq()
    if isinstance(old, CommentedSeq) and old.fa.flow_style():
        fixed.fa.set_flow_style()  # written as it was: [{between: …}, …]
    for run in plan.cables:
        entry, pins = listed.get(run.upper, (None, None))
        if entry is not None and not cables.faults(pins, run.kind, breakers):
            fixed.append(entry)
            continue
        wanted = list(run.pins)
        changes.append(
            f"cable {run.upper}-{run.lower}: {'replaced' if entry is not None else 'added'} "
            f"({cables.KINDS[run.kind].name})"
        )
        if entry is None:
            fixed.append(_cable(run.upper, wanted))
        else:  # keep the entry, and so its comments; only the pins change
            entry["pins"] = _flow(wanted)
            fixed.append(entry)
    _carry_comments(old, fixed)
    data["cables"] = fixed
    return changes


def _carry_comments(old: Any, fixed: CommentedSeq) -> None:
    """Each kept entry's comments (such as the one at the end of a flow entry's line) move
    with it from the old list to its place in the new one."""
    comments = getattr(old, "ca", None)
    if comments is None:
        return
    for new_index, entry in enumerate(fixed):
        for old_index, item in enumerate(old):
            if item is entry and old_index in comments.items:
                fixed.ca.items[new_index] = comments.items[old_index]


def _cable(upper: int, pins: list[int]) -> CommentedMap:
    cable = CommentedMap()
    cable["between"] = _flow([upper, upper + 1])
    cable["pins"] = _flow(pins)
    cable.fa.set_flow_style()
    return cable


def _flow(values: list[int]) -> CommentedSeq:
    """A list written inline, [1, 2], as people write pins and positions."""
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
