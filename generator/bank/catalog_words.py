"""The catalog's words a sheet prints, for Babel's extraction (see babel.cfg).

The catalog is data, but some of its values are sentences or words printed on the sheet:
the signal note, each DIP table's source, the master's inverter ports and protocol setting,
the T568B colours, why a battery the guide does not cover is refused. They are translated
through the same gettext catalog as the code's sentences; a company's own catalog prints its
own words as they are where no translation exists. Names printed on the hardware (model
names, port labels, ON/OFF) are not extracted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import yaml

TRANSLATED = (
    "signal_note",
    "source",
    "inverter_ports",
    "protocol_setting",
    "reason",
    "zero_note",
    "where",
)
COLOURS = "t568b"

Extracted = tuple[int, str | None, str, list[str]]


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[Extracted]:
    """Babel's extraction-method interface: (line, function, message, comments)."""
    yield from _walk(yaml.compose(fileobj), None)


def _walk(node: yaml.Node | None, key: str | None) -> Iterator[Extracted]:
    if isinstance(node, yaml.MappingNode):
        for name, value in node.value:
            if name.value == COLOURS and isinstance(value, yaml.MappingNode):
                for _pin, colour in value.value:
                    yield _found(colour, "a T568B wire colour (glossary)")
            else:
                yield from _walk(value, str(name.value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item, None)
    elif isinstance(node, yaml.ScalarNode) and key in TRANSLATED and node.value:
        yield _found(node, key or "")


def _found(node: yaml.Node, what: str) -> Extracted:
    return node.start_mark.line + 1, None, str(node.value), [f"catalog: {what}"]
