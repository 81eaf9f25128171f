"""Field definitions: each key of a YAML file declared once, with what it means and its limits.

The loaders read values by these definitions (spec.py for the bank spec, company.py for the
company settings) and `eg4sheet schema` turns the same definitions into a JSON Schema
(generator/schema.py), so an editor's checks and `eg4sheet validate` cannot drift apart.
Adding a key is one `Key(...)` line where its section is declared, then regenerating the
shipped schema files (a test says when they are stale).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeVar

from yaml.nodes import Node

from generator.bank.yamlsrc import NodeReader, Said

COUNT_KEY = "count"  # in a battery entry: how many identical batteries it stands for


@dataclass(frozen=True)
class Text:
    """Any one-line value, kept as the user wrote it (a revision 2 or a date stay text), at
    most `longest` characters. Empty is allowed unless `required_text`."""

    longest: int = 200
    required_text: bool = False  # empty or blank is an error (a model name)
    offers: str | None = None  # a vocabulary editors offer for completion ("models")
    multiline: bool = False  # line breaks allowed (notes); other control characters never


@dataclass(frozen=True)
class Whole:
    """A whole number from `low` to `high`."""

    low: int
    high: int


@dataclass(frozen=True)
class Choice:
    """One of a few fixed words, in any letter case; empty means the default."""

    choices: tuple[str, ...]


@dataclass(frozen=True)
class ListOf:
    """A YAML list of items of one shape."""

    item: Shape
    fewest: int = 0
    most: int | None = None


@dataclass(frozen=True)
class Key:
    """One key of a section: its value's shape, what it means, an example value."""

    name: str
    shape: Shape
    description: str
    example: object
    required: bool = False
    default: object = None
    one_battery: bool = False  # only for an entry of one battery: empty when COUNT_KEY > 1


@dataclass(frozen=True)
class Section:
    """A mapping with known keys; any other key is an error (E003)."""

    keys: tuple[Key, ...]

    @property
    def names(self) -> list[str]:
        return [key.name for key in self.keys]

    @property
    def required(self) -> list[str]:
        return [key.name for key in self.keys if key.required]

    def __iter__(self) -> Iterator[Key]:
        return iter(self.keys)

    def __getitem__(self, name: str) -> Key:
        for key in self.keys:
            if key.name == name:
                return key
        raise KeyError(name)

    # Typed views of one key's shape, for the loaders: a wrong kind is a bug, found at once.
    def whole(self, name: str) -> Whole:
        return _shape(self[name], Whole)

    def list_of(self, name: str) -> ListOf:
        return _shape(self[name], ListOf)


Shape = Text | Whole | Choice | ListOf | Section
S = TypeVar("S", Text, Whole, Choice, ListOf, Section)


def _shape(key: Key, kind: type[S]) -> S:
    if not isinstance(key.shape, kind):
        raise TypeError(f"key {key.name!r} is {type(key.shape).__name__}, not {kind.__name__}")
    return key.shape


def read_words(
    reader: NodeReader, key: Key, node: Node, what: Said, position: int | None = None
) -> str | None:
    """The value of a text or choice key, read by its definition (E002 when it does not fit),
    so a new key of either kind needs no reading code of its own."""
    shape = key.shape
    if isinstance(shape, Choice):
        return reader.choice(node, what, list(shape.choices), position)
    text = _shape(key, Text)
    return reader.text(node, what, position, longest=text.longest, multiline=text.multiline)
