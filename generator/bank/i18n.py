"""Sentences that can be printed in another language.

A finding is found once, in English, but the sheet may be printed in Spanish: so its message
and hint are kept as a `Msg`, an English template with named values, rendered in whatever
language the reader needs. `str(msg)` is the English; `msg.render(translate)` passes the
template (and every Msg among its values) through a gettext function first. The templates
are what Babel extracts (`Msg` is a keyword, see babel.cfg); values are not translated unless
they are Msgs themselves, so model names, serials and numbers stay as they are.
"""

from __future__ import annotations

import datetime
import gettext
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Protocol


class Translate(Protocol):
    """A language's gettext (called with a sentence) and its ngettext (plural forms)."""

    def __call__(self, text: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, count: int, /) -> str: ...


LANGUAGES = ("en", "es")  # the languages a sheet can be printed in; English is the source
Value = str | int | float | None


class Msg:
    """An English template with named values, e.g. Msg("{model} at position {n}", ...)."""

    __slots__ = ("template", "values")

    def __init__(self, template: str, /, **values: Value | Msg) -> None:
        self.template = template
        self.values = values

    def words(self, translate: Translate | None) -> str:
        """The template in the reader's language, placeholders still in it."""
        return translate(self.template) if translate else self.template

    def render(self, translate: Translate | None = None) -> str:
        return self.words(translate).format(
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


class Plural(Msg):
    """A sentence with a singular and a plural form, chosen by `count` in the reader's
    language: Plural("{n} battery", "{n} batteries", n, n=n)."""

    __slots__ = ("count", "plural")

    def __init__(self, singular: str, plural: str, count: int, /, **values: Value | Msg) -> None:
        super().__init__(singular, **values)
        self.plural = plural
        self.count = count

    def words(self, translate: Translate | None) -> str:
        if translate is None:
            return self.template if self.count == 1 else self.plural
        return translate.ngettext(self.template, self.plural, self.count)

    def templates(self) -> list[str]:
        return [*super().templates(), self.plural]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Plural) and super().__eq__(other) and self.count == other.count

    def __hash__(self) -> int:
        return hash(self.template)


def N_(template: str) -> str:
    """Mark a constant sentence for extraction; it is translated where it is printed."""
    return template


def join(words: Sequence[str | Msg], conjunction: str = "and") -> Msg:
    """'a', 'a and b', 'a, b and c' (or 'a or b'), the conjunction translated with the rest,
    and each word too where it is a Msg (a wire's colour, say)."""
    if len(words) == 1:
        return Msg("{only}", only=words[0])
    first: str | Msg = words[0]
    for word in words[1:-1]:
        first = (
            f"{first}, {word}"
            if isinstance(first, str) and isinstance(word, str)
            else Msg("{first}, {next}", first=first, next=word)
        )
    if conjunction == "or":
        return Msg("{first} or {last}", first=first, last=words[-1])
    return Msg("{first} and {last}", first=first, last=words[-1])


# --- the language a sheet is printed in ------------------------------------------------
#
# A sheet is worded in one language from start to end, so the language is set once for the
# build (`language("es")`) and every `_()` below it, in the view, the drawings, the change
# list and the templates, reads it: no function has to pass a translator along. A context
# variable keeps concurrent builds (server threads) apart.

LOCALES = {"en": "en_US", "es": "es_US"}  # the Babel locale of each sheet language
DOMAIN = "eg4sheet"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_active: ContextVar[str] = ContextVar("sheet_language", default="en")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of a language, read from its .po file once per process (compiled in
    memory, so a checkout needs no build step); English is the source and needs none."""
    if lang == "en":
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as po:
        catalog = read_po(po, locale=LOCALES[lang], domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: they print in English
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def resolve_language(option: str | None, job: str | None, company: str | None) -> str:
    """`build --lang` over the spec's job.lang over the company's lang over English."""
    for choice in (option, job, company):
        if choice:
            return choice.lower()
    return "en"


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Word everything in `lang` while the block runs."""
    if lang not in LANGUAGES:
        raise ValueError(f"no sheet language {lang!r}: {', '.join(LANGUAGES)}")
    token = _active.set(lang)
    try:
        yield
    finally:
        _active.reset(token)


def current() -> str:
    return _active.get()


class _Active:
    """The language the sheet being built is printed in, as a `Translate`."""

    def __call__(self, text: str, /) -> str:
        """`text` in the current language (itself in English, or where none exists)."""
        return translations(_active.get()).gettext(text)

    def ngettext(self, singular: str, plural: str, count: int, /) -> str:
        """The form for `count` by the language's plural rule."""
        return translations(_active.get()).ngettext(singular, plural, count)


_ = _Active()
ngettext = _.ngettext


def number(value: float) -> str:
    """A number as the language writes it: English keeps Python's shortest form ('14.34')."""
    lang = _active.get()
    if lang == "en":
        return f"{value:g}"
    from babel.numbers import format_decimal

    return format_decimal(value, locale=LOCALES[lang])


def date(text: str | None) -> str | None:
    """A job date as written, or, in another language, an ISO date (2026-11-24) in that
    language's medium form ('24 nov 2026'); anything else is printed as written."""
    lang = _active.get()
    if text is None or lang == "en":
        return text
    try:
        day = datetime.date.fromisoformat(text.strip())
    except ValueError:
        return text
    from babel.dates import format_date

    return format_date(day, format="medium", locale=LOCALES[lang])
