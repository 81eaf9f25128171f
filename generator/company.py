"""Company settings: the block printed on every page (name, address, phone, licence, logo).

Given with `--company FILE` or found as eg4sheet.yaml in the working directory. The logo it
names is the only local file a sheet may show; we read it here (bounded) and hand the
renderer a data: URL, so the renderer itself never opens a file a user named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.bank.diagnostics import capped
from generator.bank.fields import Choice, Key, Section, Text, read_words
from generator.bank.i18n import LANGUAGES
from generator.bank.yamlsrc import NodeReader, read_source
from generator.errors import CompanyError
from generator.logo import MAX_LOGO_BYTES, logo_data_url

DEFAULT_NAME = "eg4sheet.yaml"

# Every key of the company settings, declared once: read below, printed by
# `eg4sheet schema --company` (generator/schema.py).
COMPANY = Section(
    (
        Key(
            "name",
            Text(200),
            "The company's name, printed on every page.",
            "Lone Star Solar Works LLC",
        ),
        Key("address", Text(200), "The company's address.", "100 Congress Ave, Austin TX 78701"),
        Key("phone", Text(200), "The phone number customers call.", "(512) 555-0142"),
        Key("licence", Text(200), "The contractor's licence number.", "TECL 34567"),
        Key(
            "logo",
            Text(200),
            "A PNG, JPEG or SVG file, relative to this settings file (at most "
            f"{MAX_LOGO_BYTES // 1_000_000} MB); the only local file a sheet ever shows.",
            "logo.png",
        ),
        Key(
            "lang",
            Choice(LANGUAGES),
            "The default language of this company's sheets: en (English) or es (Spanish); a "
            "job's 'lang' and `build --lang` override it.",
            "es",
        ),
    )
)
KEYS = COMPANY.names


@dataclass(frozen=True)
class Company:
    name: str | None = None
    address: str | None = None
    phone: str | None = None
    licence: str | None = None
    logo_url: str | None = None  # a data: URL
    lang: str | None = None  # the default language of the sheets
    files: tuple[Path, ...] = field(default=(), compare=False)  # the settings and logo read


def find_company(explicit: Path | None, cwd: Path | None = None) -> Company | None:
    """The settings named on the command line, else ./eg4sheet.yaml, else none."""
    if explicit is not None:
        return load_company(explicit)
    default = (cwd or Path.cwd()) / DEFAULT_NAME
    # Anything there by that name is read (and refused if it is a FIFO or a directory), so
    # settings are never ignored without a word.
    return load_company(default) if default.exists() or default.is_symlink() else None


def load_company(path: Path) -> Company:
    reader = NodeReader(str(path))
    root = reader.compose(read_source(path, "company settings file"), what="company settings file")
    values = reader.mapping(root, "the company settings", KEYS) if root is not None else None
    if values is None or reader.findings:
        raise CompanyError(f"{path}: not valid company settings", capped(reader.findings))
    text = {key: read_words(reader, COMPANY[key], node, key) for key, node in values.items()}
    if reader.findings:
        raise CompanyError(f"{path}: not valid company settings", capped(reader.findings))
    logo = text.pop("logo", None)
    logo_url = logo_data_url(path.parent / logo) if logo else None
    files = (path, path.parent / logo) if logo else (path,)
    return Company(**text, logo_url=logo_url, files=files)
