"""Comments on their own lines in a YAML list, kept with the entries they were written on
while `plan --fix` reorders the list.

ruamel.yaml hangs a comment line on the node before it: a comment above a battery travels
with the battery above, and a comment after the last entry travels with the last battery.
So before the rewrite these lines are lifted out of the text, and afterwards put back:

- the comment lines directly above an entry (no blank line between) go with that entry,
  wherever it moves;
- a block separated from the entry below by a blank line stays at its place in the list
  (before whichever entry now stands there);
- what follows the last entry stays at the end of the list.

A comment at the end of an entry's own line is left to ruamel, which keeps it with its key.
Lifting is skipped (ruamel's placement kept) for a list in flow style, and whenever the text
without the lifted lines would not read as the same YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from generator.bank.yamlsrc import Loader

Placed = list[int | None]  # for each entry of the rewritten list, its index in the original


@dataclass
class Lifted:
    """The comment lines of one list, as written (line ends included)."""

    dash: int  # the column of the entries' '-' in the original
    leads: list[list[str]] = field(default_factory=list)  # directly above each entry
    gaps: list[list[str]] = field(default_factory=list)  # above each place, set apart
    tail: list[str] = field(default_factory=list)  # after the last entry


def lift(text: str, keys: tuple[str, ...]) -> tuple[str, dict[str, Lifted]]:
    """The text without the comment lines of these top-level lists, and those lines."""
    if "#" not in text and all(line.strip() for line in text.splitlines()):
        # No comment and no blank line anywhere: every block found below would be empty, and
        # putting nothing back changes nothing. Skipping them saves two round-trip loads.
        return text, {}
    data = YAML(typ="rt").load(text)
    if not isinstance(data, CommentedMap):
        return text, {}
    lines = text.splitlines(keepends=True)
    written = [line.rstrip("\r\n") + "\n" for line in lines]  # put back with the dump's "\n"
    dropped: set[int] = set()
    lifted: dict[str, Lifted] = {}
    for key in keys:
        entries = data.get(key)
        if not isinstance(entries, CommentedSeq) or not entries or entries.fa.flow_style():
            continue
        starts = [entries.lc.item(index)[0] for index in range(len(entries))]
        found = Lifted(_dash(lines[starts[0]], entries.lc.item(0)[1]))
        for start in starts:
            block = _block_above(lines, start, lowest=0)
            blank = max((n for n in block if not lines[n].strip()), default=None)
            found.gaps.append([written[n] for n in block if blank is not None and n <= blank])
            found.leads.append([written[n] for n in block if blank is None or n > blank])
            dropped.update(block)
        tail = _block_above(lines, _end(data, key, len(lines)), lowest=starts[-1] + 1)
        found.tail = [written[n] for n in tail]
        dropped.update(tail)
        lifted[key] = found
    stripped = "".join(line for number, line in enumerate(lines) if number not in dropped)
    if yaml.load(stripped, Loader=Loader) != yaml.load(text, Loader=Loader):
        return text, {}  # a '#' that was not a comment (inside a quoted value): lift nothing
    return stripped, lifted


def put_back(text: str, lifted: dict[str, Lifted], placed: dict[str, Placed]) -> str:
    """The rewritten text with each list's comment lines where they belong: `placed` gives,
    for each entry of the rewritten list, the index of the original entry it is (None: new).
    Comments of entries that are gone end the list."""
    if not lifted:
        return text
    data = YAML(typ="rt").load(text)
    lines = text.splitlines(keepends=True)
    inserts: list[tuple[int, list[str]]] = []
    for key, found in lifted.items():
        entries = data.get(key) if isinstance(data, CommentedMap) else None
        order = placed.get(key, [])
        kept = {index for index in order if index is not None}
        gone = [
            line for index, lead in enumerate(found.leads) if index not in kept for line in lead
        ]
        if not isinstance(entries, CommentedSeq) or not entries or entries.fa.flow_style():
            inserts.append((len(lines), [*_flat(found.gaps), *gone, *found.tail]))
            continue
        first = entries.lc.item(0)
        shift = _dash(lines[first[0]], first[1]) - found.dash
        for place in range(len(entries)):
            original = order[place] if place < len(order) else None
            block = found.gaps[place] if place < len(found.gaps) else []
            if original is not None:
                block = block + found.leads[original]
            inserts.append((entries.lc.item(place)[0], _indented(block, shift)))
        rest = [*_flat(found.gaps[len(entries) :]), *_indented(gone, shift), *found.tail]
        inserts.append((_end(data, key, len(lines)), rest))
    for number, block in sorted(inserts, key=lambda insert: insert[0], reverse=True):
        if block and number >= len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines[number:number] = block
    return "".join(lines)


def _block_above(lines: list[str], start: int, lowest: int) -> list[int]:
    """The line numbers of the blank and comment-only lines just above line `start` (not
    below `lowest`), in order."""
    number = start - 1
    while number >= lowest and (
        not lines[number].strip() or lines[number].lstrip().startswith("#")
    ):
        number -= 1
    return list(range(number + 1, start))


def _end(data: CommentedMap, key: str, length: int) -> int:
    """The line where the top-level key after `key` starts, or the end of the text."""
    names = list(data)
    following = names[names.index(key) + 1 :]
    return data.lc.key(following[0])[0] if following else length


def _dash(line: str, column: int) -> int:
    """The column of the '-' that starts a list entry whose content begins at `column`."""
    return line.rfind("-", 0, column) if "-" in line[:column] else column


def _indented(block: list[str], shift: int) -> list[str]:
    """The comment lines moved `shift` columns (blank lines kept as they are)."""
    if shift == 0:
        return list(block)
    moved = []
    for line in block:
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        moved.append(line if not line.strip() else " " * max(indent + shift, 0) + body)
    return moved


def _flat(blocks: list[list[str]]) -> list[str]:
    return [line for block in blocks for line in block]


def placed_by_identity(old: Any, new: Any) -> Placed:
    """For each entry of `new`, the index of the same object in `old` (None: not there)."""
    return [next((index for index, item in enumerate(old) if item is entry), None) for entry in new]
