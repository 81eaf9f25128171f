"""Sentences that can be printed in another language.

A finding is found once, in English, but the sheet may be printed in Spanish: so its message
and hint are kept as a `Msg`, an English template with named values, rendered in whatever
language the reader needs. `str(msg)` is the English; `msg.render(translate)` passes the
template (and every Msg among its values) through a gettext function first. The templates
are what Babel extracts (`Msg` is a keyword, see babel.cfg); values are not translated unless
they are Msgs themselves, so model names, serials and numbers stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable

Translate = Callable[[str], str]
LANGUAGES = ("en", "es")  # the languages a sheet can be printed in; English is the source
Value = str | int | float | None


class Msg:
    """An English template with named values, e.g. Msg("{model} at position {n}", ...)."""

    __slots__ = ("template", "values")

    def __init__(self, template: str, /, **values: Value | Msg) -> None:
        self.template = template
        self.values = values

    def render(self, translate: Translate | None = None) -> str:
        words = translate(self.template) if translate else self.template
        return words.format(
            **{
                name: value.render(translate) if isinstance(value, Msg) else value
                for name, value in self.values.items()
            }
        )

    def templates(self) -> list[str]:
        """This template and those of the Msgs among its values (for coverage checks)."""
        inner = [
            template
            for value in self.values.values()
            if isinstance(value, Msg)
            for template in value.templates()
        ]
        return [self.template, *inner]

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        return f"Msg({self.template!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.template, self.values) == (
            other.template,
            other.values,
        )

    def __hash__(self) -> int:
        return hash(self.template)


def N_(template: str) -> str:
    """Mark a constant sentence for extraction; it is translated where it is printed."""
    return template


def join(words: list[str], conjunction: str = "and") -> Msg:
    """'a', 'a and b', 'a, b and c' (or 'a or b'), the conjunction translated with the rest."""
    if len(words) == 1:
        return Msg("{only}", only=words[0])
    first = ", ".join(words[:-1])
    if conjunction == "or":
        return Msg("{first} or {last}", first=first, last=words[-1])
    return Msg("{first} and {last}", first=first, last=words[-1])
