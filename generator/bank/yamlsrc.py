"""Bounded YAML reading that keeps the line and column of every value.

Specs and catalogs are small, so anything large or deeply nested is refused before it can
cost memory or time. The typed readers below turn YAML nodes into values and collect a
finding (E001/E002/E003) for every problem instead of stopping at the first.
"""

from __future__ import annotations

import difflib
import heapq
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.bank.diagnostics import Finding, Location
from generator.bank.i18n import N_, Msg
from generator.bank.text import is_invisible, name_of, unprintable
from generator.bounded import read_bounded

MAX_BYTES = 1_000_000  # a 64-battery spec with every field is under 10 kB
MAX_DEPTH = 16  # a spec nests 4 levels deep
MAX_EVENTS = 100_000
MAX_DIGITS = 12  # checked before any conversion: Python's int() of 4300+ digits raises
MAX_NUMBER_CHARS = 40
SHOWN_CHARS = 40  # how much of a user's value a message quotes

# Keys people put in a spec that belong elsewhere; a spec never names a file to read.
REFUSED_KEYS = {
    "logo": N_(
        "a bank spec never names files: put the logo in the company settings "
        "(eg4sheet.yaml or --company FILE)"
    ),
    "company": N_("company details go in the company settings (eg4sheet.yaml or --company FILE)"),
}

Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CONSTRUCTOR = yaml.constructor.SafeConstructor()

INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
STR_TAG = "tag:yaml.org,2002:str"
TYPE_NAMES = {
    INT_TAG: N_("a number"),
    NULL_TAG: N_("empty"),
    BOOL_TAG: N_("true/false"),
    STR_TAG: N_("text"),
    "tag:yaml.org,2002:float": N_("a decimal number"),
    "tag:yaml.org,2002:timestamp": N_("a date"),
}


def read_source(path: str | Path, what: str = "spec file") -> bytes:
    """The raw bytes of a spec or catalog file, refusing what is not a regular file; at most
    one byte more than MAX_BYTES is read (compose reports a file that is too large)."""
    return read_bounded(Path(path), MAX_BYTES, what)


def shown(value: object) -> str:
    """A user's value, quoted and cut short, safe to put in a message."""
    text = str(value)
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return repr(text)


CLOSE = 0.5  # how alike a suggestion must be (difflib's ratio)


def _ratio(matches: int, length: int) -> float:
    """difflib's ratio of `matches` in two strings of `length` characters together."""
    return 2.0 * matches / length if length else 1.0


class Nearest:
    """The known words closest to a misspelt one, best first: exactly
    `difflib.get_close_matches(word, choices, n=count, cutoff=CLOSE)` (a test compares them),
    cheap for many words against the same choices. difflib's two upper bounds, from the
    lengths and from the letters in common, are worked out here without building a matcher
    (each choice's letters are listed once), and the real comparison is made only for a
    choice within both. difflib builds and indexes a matcher for every word: nearly half
    the time of reading a spec with 16,000 unknown keys."""

    def __init__(self, choices: Iterable[str], count: int = 1) -> None:
        self.count = count
        self.choices = [(choice, len(choice), _letters(choice)) for choice in choices]

    def __call__(self, word: str) -> list[str]:
        size = len(word)
        letters: frozenset[tuple[str, int]] | None = None
        matcher: difflib.SequenceMatcher[str] | None = None
        scored: list[tuple[float, str]] = []
        for choice, length, listed in self.choices:
            if _ratio(min(length, size), length + size) < CLOSE:  # real_quick_ratio
                continue
            if letters is None:
                letters = _letters(word)
            if _ratio(len(listed & letters), length + size) < CLOSE:  # quick_ratio
                continue
            if matcher is None:
                matcher = difflib.SequenceMatcher()
                matcher.set_seq2(word)
            matcher.set_seq1(choice)
            score = matcher.ratio()
            if score >= CLOSE:
                scored.append((score, choice))
        return [choice for _, choice in heapq.nlargest(self.count, scored)] if scored else []


def _letters(word: str) -> frozenset[tuple[str, int]]:
    """Each letter with how many of it come before ('all': a0, l0, l1), so that two words
    have as many of these in common as letters in common, counted as difflib does."""
    seen: dict[str, int] = {}
    for letter in word:
        seen[letter] = seen.get(letter, 0) + 1
    return frozenset((letter, n) for letter, times in seen.items() for n in range(times))


def closest(word: str, choices: Iterable[str], count: int = 1) -> list[str]:
    """The `count` known words closest to `word`, best first; for one word (Nearest lists
    the choices' letters first, which pays off only over many words)."""
    return difflib.get_close_matches(word, list(choices), n=count, cutoff=CLOSE)


def type_name(node: Node) -> str:
    if isinstance(node, MappingNode):
        return N_("a mapping")
    if isinstance(node, SequenceNode):
        return N_("a list")
    return TYPE_NAMES.get(node.tag, N_("text"))


def type_words(node: Node) -> Msg:
    """What a node is ('a list', 'text'), to translate with the sentence it is in."""
    return Msg(type_name(node))


Said = str | Msg  # what a message says: English, or a sentence to translate


class NodeReader:
    """Reads one file's YAML into values, collecting findings as it goes."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.findings: list[Finding] = []

    def at(self, node: Node) -> Location:
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def report(
        self,
        code: str,
        node: Node,
        message: Said,
        hint: Said | None = None,
        position: int | None = None,
    ) -> None:
        self.findings.append(Finding.of(code, message, self.at(node), hint, position))

    def compose(self, data: bytes, what: str = "file") -> Node | None:
        """Parse bytes into a node tree, or report E001 and return None."""
        start = Location(self.file, 1, 1)
        if len(data) > MAX_BYTES:
            self.findings.append(
                Finding(
                    "E001",
                    f"the {what} is larger than {MAX_BYTES // 1000} kB",
                    start,
                    "a bank spec is a few kB; check that this is the right file",
                )
            )
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
            self.findings.append(
                Finding(
                    "E001",
                    f"the {what} is not UTF-8 text (byte 0x{data[error.start]:02X} at line {line})",
                    Location(self.file, line, column),
                    "save the file as UTF-8 text",
                )
            )
            return None
        try:
            problem = self._too_complex(text)
            if problem:
                self.findings.append(
                    Finding(
                        "E001",
                        f"the {what} is {problem}",
                        start,
                        "a bank spec is a short, flat YAML file",
                    )
                )
                return None
            node = yaml.compose(text, Loader=Loader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            place = Location(self.file, mark.line + 1, mark.column + 1) if mark else start
            if mark is not None and _tab_starts(text, mark.line):
                self.findings.append(
                    Finding(
                        "E001",
                        f"not valid YAML: line {mark.line + 1} starts with a tab, and YAML "
                        "indents with spaces only",
                        Location(self.file, mark.line + 1, 1),
                        f"replace the tab at the start of line {mark.line + 1} with spaces",
                    )
                )
                return None
            reason = " ".join(part for part in (error.context, error.problem) if part)
            self.findings.append(
                Finding(
                    "E001",
                    f"not valid YAML: {reason}",
                    place,
                    "check indentation, colons and quotes on this line",
                )
            )
            return None
        except yaml.reader.ReaderError as error:
            line = text.count("\n", 0, error.position) + 1
            column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
            self.findings.append(
                Finding(
                    "E001",
                    f"the {what} contains the control character U+{error.character:04X} "
                    f"({name_of(chr(error.character))}), which YAML does not allow",
                    Location(self.file, line, column),
                    "remove it; a spec is plain text",
                )
            )
            return None
        except (yaml.YAMLError, RecursionError, ValueError) as error:
            self.findings.append(
                Finding(
                    "E001",
                    f"not valid YAML: {error}",
                    start,
                    "check the file against an example in bank_specs/",
                )
            )
            return None
        if node is None:
            self.findings.append(
                Finding(
                    "E001",
                    f"the {what} is empty",
                    start,
                    "start from one of the examples in bank_specs/",
                )
            )
        return node

    @staticmethod
    def _too_complex(text: str) -> str | None:
        """Walk the event stream (not recursive) to refuse deep nesting and huge documents."""
        depth = 0
        for events, event in enumerate(yaml.parse(text, Loader=Loader), start=1):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return f"nested more than {MAX_DEPTH} levels deep"
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if events > MAX_EVENTS:
                return f"too large (more than {MAX_EVENTS} YAML items)"
        return None

    def mapping(
        self, node: Node, what: Said, known: Iterable[str], position: int | None = None
    ) -> dict[str, Node] | None:
        """A mapping's values by key; E002 if not a mapping, E003 for unknown keys."""
        if not isinstance(node, MappingNode):
            self.report(
                "E002",
                node,
                Msg(
                    "{what} must be a mapping of keys to values, not {type}",
                    what=what,
                    type=type_words(node),
                ),
                Msg("write it as indented 'key: value' lines"),
                position,
            )
            return None
        known = list(known)
        nearest: Nearest | None = None  # made at the first unknown key, for all of them
        values: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str) or key not in known:
                suggestion: list[str] = []
                if isinstance(key, str):
                    nearest = nearest or Nearest(known)
                    suggestion = nearest(key)
                hint = (
                    Msg(REFUSED_KEYS[str(key)])
                    if str(key) in REFUSED_KEYS
                    else Msg("did you mean '{key}'?", key=suggestion[0])
                    if suggestion
                    else Msg("known keys here: {keys}", keys=", ".join(known))
                )
                label = shown(key) if isinstance(key, str) else type_words(key_node)
                message = Msg("unknown key {key} in {what}", key=label, what=what)
                self.report("E003", key_node, message, hint, position)
            elif key in values:
                self.report(
                    "E001",
                    key_node,
                    Msg("key '{key}' appears twice in {what}", key=key, what=what),
                    Msg("keep one of the two"),
                    position,
                )
            else:
                values[key] = value_node
        return values

    def sequence(self, node: Node, what: Said) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.report(
                "E002",
                node,
                Msg("{what} must be a list, not {type}", what=what, type=type_words(node)),
                Msg("write it as lines starting with '- ', or as [a, b]"),
            )
            return None
        return list(node.value)

    def text(
        self,
        node: Node,
        what: Said,
        position: int | None = None,
        longest: int = 200,
        multiline: bool = False,
    ) -> str | None:
        """Any scalar as the text the user wrote (a revision 2 or a date stay as written),
        at most `longest` characters: it is printed, and must stay readable. Characters that
        are not text (controls, line breaks unless `multiline`) are E002, named."""
        if not isinstance(node, ScalarNode):
            self.report(
                "E002",
                node,
                Msg("{what} must be text, not {type}", what=what, type=type_words(node)),
                Msg("write it on one line; put quotes around it if it has [ ] {{ }} or :"),
                position,
            )
            return None
        if node.tag == NULL_TAG:
            return None
        value = str(node.value).strip(" \n")  # other whitespace is checked, not dropped
        if len(value) > longest:
            self.report(
                "E002",
                node,
                Msg(
                    "{what} is {length} characters long; at most {longest} fit on the sheet",
                    what=what,
                    length=len(value),
                    longest=longest,
                ),
                Msg("shorten it"),
                position,
            )
            return None
        bad = unprintable(value, multiline)
        if bad is not None:
            index, character = bad
            name = str(character)
            hint = (
                Msg(
                    "remove it: an invisible character that can make the text read "
                    "differently in different places"
                )
                if is_invisible(value[index])
                else Msg("write it on one line")
                if "line" in name or "carriage" in name
                else Msg("replace the tab with a space")
                if name.startswith("a tab")
                else Msg("remove it: text on the sheet is plain text")
            )
            message = Msg(
                "{what} contains {character} at character {index}",
                what=what,
                character=character,
                index=index + 1,
            )
            self.report("E002", node, message, hint, position)
            return None
        return value

    def integer(
        self, node: Node, what: Said, low: int, high: int, position: int | None = None
    ) -> int | None:
        """A whole number within [low, high], written in plain decimal; E002 otherwise."""
        value = whole_number(node)
        if isinstance(value, str) and isinstance(node, ScalarNode):
            message, hint = non_decimal(value, str(node.value), what, low, high)
            self.report("E002", node, message, hint, position)
            return None
        if not isinstance(value, int):
            shown_value = shown(node.value) if isinstance(node, ScalarNode) else type_words(node)
            self.report(
                "E002",
                node,
                Msg("{what} must be a whole number, not {value}", what=what, value=shown_value),
                Msg("write a number from {low} to {high}, without quotes", low=low, high=high),
                position,
            )
            return None
        if not low <= value <= high:
            self.report("E002", node, *out_of_range(what, low, high, value), position)
            return None
        return value

    def number(self, node: Node, what: Said, low: float, high: float) -> float | None:
        """A number (whole or decimal, plain decimal notation) within [low, high]; E002
        otherwise."""
        value: int | float | str | None = None
        if isinstance(node, ScalarNode) and node.tag == INT_TAG:
            value = whole_number(node)
        elif (
            isinstance(node, ScalarNode)
            and node.tag == FLOAT_TAG
            and len(node.value) <= MAX_NUMBER_CHARS
            and DECIMAL.match(node.value)
        ):
            value = float(node.value)
        if isinstance(value, str) or value is None or not low <= value <= high:
            shown_value = shown(node.value) if isinstance(node, ScalarNode) else type_words(node)
            self.report(
                "E002",
                node,
                Msg(
                    "{what} must be a number from {low} to {high}, not {value}",
                    what=what,
                    low=low,
                    high=high,
                    value=shown_value,
                ),
                Msg(
                    "use a number from {low} to {high}, written in plain decimal",
                    low=low,
                    high=high,
                ),
            )
            return None
        return float(value)

    def flag(self, node: Node, what: Said) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == BOOL_TAG:
            return bool(_CONSTRUCTOR.construct_object(node))
        self.report(
            "E002",
            node,
            Msg("{what} must be true or false, not {type}", what=what, type=type_words(node)),
            Msg("write true or false"),
        )
        return None

    def choice(
        self, node: Node, what: Said, choices: list[str], position: int | None = None
    ) -> str | None:
        """One of a few fixed words (case-insensitive); E002 naming the choices otherwise."""
        value = self.text(node, what, position)
        if value is None:
            return None
        for candidate in choices:
            if value.lower() == candidate.lower():
                return candidate
        self.report(
            "E002",
            node,
            Msg(
                "{what} must be one of {choices}, not {value}",
                what=what,
                choices=", ".join(choices),
                value=shown(value),
            ),
            Msg("use one of: {choices}", choices=", ".join(choices)),
            position,
        )
        return None


# Plain decimal only. YAML 1.1 also reads 010 as octal 8, 1:00 as 60 (base 60), 0x10 and
# 0b10; other YAML readers (and people) read them differently, so they are refused, here
# and so in `plan --fix`, which starts from these findings.
INTEGER = re.compile(r"[-+]?[0-9]+\Z")
DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
NON_DECIMAL = {
    "octal": re.compile(r"[-+]?0[0-9_]+\Z"),
    "hexadecimal": re.compile(r"[-+]?0x[0-9a-fA-F_]+\Z"),
    "binary": re.compile(r"[-+]?0b[01_]+\Z"),
    "base 60": re.compile(r"[-+]?[0-9][0-9_]*(?::[0-9_]+)+\Z"),
    "underscores": re.compile(r"[-+]?[0-9][0-9_]*\Z"),
}


def whole_number(node: Node) -> int | str | None:
    """The value of an integer scalar written in plain decimal; for the other YAML 1.1
    integer forms the name of the form ('octal', 'base 60', …, or 'digits' for more than
    MAX_DIGITS); None when it is no integer. Digits are counted before any conversion."""
    if not isinstance(node, ScalarNode) or node.tag != INT_TAG:
        return None
    raw = str(node.value)
    digits = raw.lstrip("+-")
    if len(raw) > MAX_NUMBER_CHARS or (INTEGER.match(raw) and len(digits) > MAX_DIGITS):
        return "digits"
    if INTEGER.match(raw) and (digits == "0" or not digits.startswith("0")):
        return int(raw)
    for form, pattern in NON_DECIMAL.items():
        if pattern.match(raw):
            return form
    return None


def out_of_range(what: Said, low: int, high: int, value: int | str) -> tuple[Msg, Msg]:
    """E002's message and hint for a number outside [low, high]."""
    return (
        Msg(
            "{what} must be from {low} to {high}, not {value}",
            what=what,
            low=low,
            high=high,
            value=value,
        ),
        Msg("use a number from {low} to {high}", low=low, high=high),
    )


def non_decimal(form: str, raw: str, what: Said, low: int, high: int) -> tuple[Msg, Msg]:
    """Message and hint for an integer not written in plain decimal."""
    value = shown(raw)
    if form == "octal":
        plain = raw.lstrip("0").replace("_", "") if raw.isdigit() else ""
        return (
            Msg(
                "{what} is {value}, with a leading 0: YAML 1.1 reads that as an octal number",
                what=what,
                value=value,
            ),
            Msg("write {plain}, without the leading 0", plain=plain)
            if plain
            else Msg("write it without the leading 0"),
        )
    if form == "base 60":
        return (
            Msg(
                "{what} is {value}: YAML 1.1 reads a number with ':' as base 60 (1:00 is 60)",
                what=what,
                value=value,
            ),
            Msg("write a plain decimal number, or put quotes around it if it is text"),
        )
    if form == "underscores":
        return (
            Msg("{what} is {value}, with '_' between its digits", what=what, value=value),
            Msg("write the digits without '_'"),
        )
    if form == "digits":
        return out_of_range(what, low, high, value)
    return (
        Msg("{what} is {value}, a {form} number", what=what, value=value, form=Msg(form)),
        Msg("write it as a plain decimal number"),
    )


def _tab_starts(text: str, line: int) -> bool:
    """Whether the line (0-based) begins with a tab in its indentation."""
    start = 0
    for _ in range(line):
        start = text.find("\n", start) + 1
        if start == 0:
            return False
    indentation = text[start : start + 200]
    return indentation[: len(indentation) - len(indentation.lstrip(" \t"))].count("\t") > 0


class SpecDumper(yaml.SafeDumper):
    """Writes a spec as design.md and bank_specs/ do: list items indented under their key, a
    list of plain values on one line (`between: [4, 5]`). The one YAML writer of the package
    for specs it makes (the QR code's spec, a JSON body's spec)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any]) -> yaml.SequenceNode:
    flat = all(not isinstance(item, dict | list) for item in items)
    return dumper.represent_sequence(
        "tag:yaml.org,2002:seq", items, flow_style=flat and bool(items)
    )


SpecDumper.add_representer(list, _represent_list)


def dump_spec(value: Any) -> str:
    """A spec (or any JSON-like value) as YAML text, in the order given."""
    return yaml.dump(value, Dumper=SpecDumper, sort_keys=False, allow_unicode=True, width=4096)
