"""Bounded YAML reading that keeps the line and column of every value.

Specs and catalogs are small, so anything large or deeply nested is refused before it can
cost memory or time. The typed readers below turn YAML nodes into values and collect a
finding (E001/E002/E003) for every problem instead of stopping at the first.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.bank.diagnostics import Finding, Location
from generator.errors import UnreadableFile

MAX_BYTES = 1_000_000  # a 64-battery spec with every field is under 10 kB
MAX_DEPTH = 16  # a spec nests 4 levels deep
MAX_EVENTS = 100_000
SHOWN_CHARS = 40  # how much of a user's value a message quotes

# Keys people put in a spec that belong elsewhere; a spec never names a file to read.
REFUSED_KEYS = {
    "logo": "a bank spec never names files: put the logo in the company settings "
    "(eg4sheet.yaml or --company FILE)",
    "company": "company details go in the company settings (eg4sheet.yaml or --company FILE)",
}

Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CONSTRUCTOR = yaml.constructor.SafeConstructor()

INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
STR_TAG = "tag:yaml.org,2002:str"
TYPE_NAMES = {
    INT_TAG: "a number",
    NULL_TAG: "empty",
    BOOL_TAG: "true/false",
    STR_TAG: "text",
    "tag:yaml.org,2002:float": "a decimal number",
    "tag:yaml.org,2002:timestamp": "a date",
}


def read_source(path: str | Path) -> bytes:
    """The raw bytes of a spec or catalog file, refusing what is not a small regular file."""
    path = Path(path)
    try:
        if path.is_dir():
            raise UnreadableFile(f"{path}: is a directory, not a spec file")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except UnreadableFile:
        raise
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except OSError as error:
        raise UnreadableFile(f"{path}: cannot be read ({error.strerror or error})") from None
    return data


def shown(value: object) -> str:
    """A user's value, quoted and cut short, safe to put in a message."""
    text = str(value)
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return repr(text)


def closest(word: str, choices: Iterable[str], count: int = 1) -> list[str]:
    return difflib.get_close_matches(word, list(choices), n=count, cutoff=0.5)


def type_name(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return TYPE_NAMES.get(node.tag, "text")


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
        message: str,
        hint: str | None = None,
        position: int | None = None,
    ) -> None:
        self.findings.append(Finding(code, message, self.at(node), hint, position))

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
                    f"the {what} contains the control character U+{error.character:04X}, "
                    "which YAML does not allow",
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
        self, node: Node, what: str, known: Iterable[str], position: int | None = None
    ) -> dict[str, Node] | None:
        """A mapping's values by key; E002 if not a mapping, E003 for unknown keys."""
        if not isinstance(node, MappingNode):
            self.report(
                "E002",
                node,
                f"{what} must be a mapping of keys to values, not {type_name(node)}",
                "write it as indented 'key: value' lines",
                position,
            )
            return None
        known = list(known)
        values: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str) or key not in known:
                suggestion = closest(str(key), known) if isinstance(key, str) else []
                hint = (
                    REFUSED_KEYS.get(str(key), "")
                    or (f"did you mean '{suggestion[0]}'?" if suggestion else "")
                    or f"known keys here: {', '.join(known)}"
                )
                label = shown(key) if isinstance(key, str) else type_name(key_node)
                self.report("E003", key_node, f"unknown key {label} in {what}", hint, position)
            elif key in values:
                self.report(
                    "E001",
                    key_node,
                    f"key '{key}' appears twice in {what}",
                    "keep one of the two",
                    position,
                )
            else:
                values[key] = value_node
        return values

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.report(
                "E002",
                node,
                f"{what} must be a list, not {type_name(node)}",
                "write it as lines starting with '- ', or as [a, b]",
            )
            return None
        return list(node.value)

    def text(
        self, node: Node, what: str, position: int | None = None, longest: int = 200
    ) -> str | None:
        """Any scalar as the text the user wrote (a revision 2 or a date stay as written),
        at most `longest` characters: it is printed, and must stay readable."""
        if not isinstance(node, ScalarNode):
            self.report(
                "E002",
                node,
                f"{what} must be text, not {type_name(node)}",
                "write it on one line; put quotes around it if it has [ ] { } or :",
                position,
            )
            return None
        if node.tag == NULL_TAG:
            return None
        value = str(node.value).strip()
        if len(value) > longest:
            self.report(
                "E002",
                node,
                f"{what} is {len(value)} characters long; at most {longest} fit on the sheet",
                "shorten it",
                position,
            )
            return None
        return value

    def integer(
        self, node: Node, what: str, low: int, high: int, position: int | None = None
    ) -> int | None:
        """A whole number within [low, high]; E002 otherwise."""
        value: object = None
        if isinstance(node, ScalarNode) and node.tag == INT_TAG:
            try:
                value = _CONSTRUCTOR.construct_yaml_int(node)
            except ValueError:
                value = None
        if not isinstance(value, int):
            shown_value = shown(node.value) if isinstance(node, ScalarNode) else type_name(node)
            self.report(
                "E002",
                node,
                f"{what} must be a whole number, not {shown_value}",
                f"write a number from {low} to {high}, without quotes",
                position,
            )
            return None
        if not low <= value <= high:
            self.report(
                "E002",
                node,
                f"{what} must be from {low} to {high}, not {value}",
                f"use a number from {low} to {high}",
                position,
            )
            return None
        return value

    def number(self, node: Node, what: str, low: float, high: float) -> float | None:
        """A number (whole or decimal) within [low, high]; E002 otherwise."""
        value: object = None
        if isinstance(node, ScalarNode) and node.tag in (INT_TAG, FLOAT_TAG):
            value = _CONSTRUCTOR.construct_object(node)
        if not isinstance(value, int | float) or not low <= value <= high:
            shown_value = shown(node.value) if isinstance(node, ScalarNode) else type_name(node)
            self.report(
                "E002",
                node,
                f"{what} must be a number from {low} to {high}, not {shown_value}",
                f"use a number from {low} to {high}",
            )
            return None
        return float(value)

    def flag(self, node: Node, what: str) -> bool | None:
        if isinstance(node, ScalarNode) and node.tag == BOOL_TAG:
            return bool(_CONSTRUCTOR.construct_object(node))
        self.report(
            "E002",
            node,
            f"{what} must be true or false, not {type_name(node)}",
            "write true or false",
        )
        return None

    def choice(
        self, node: Node, what: str, choices: list[str], position: int | None = None
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
            f"{what} must be one of {', '.join(choices)}, not {shown(value)}",
            f"use one of: {', '.join(choices)}",
            position,
        )
        return None
