"""The sheet in Spanish (issue 12): every sentence has a translation, nothing English is left
on a Spanish sheet, the language is chosen as documented, dates and numbers in es_US form."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from generator import api
from generator.bank.catalog import default_catalog
from generator.bank.i18n import LANGUAGES, _, language, po_path, resolve_language
from generator.bank.spec import BankSpec, parse_spec
from generator.cli import main
from generator.company import Company
from tests.helpers import EXAMPLE, ROOT, WRONG_BANKS, CliResult
from tests.sheet_helpers import page_texts

WRONG = WRONG_BANKS / "everything_wrong.yaml"  # findings, hints and a change list
# Common English words that no Spanish sentence of the sheet contains (model names, units,
# ON/OFF and the spec's own text are taken out of the page first).
ENGLISH = ("the", "and", "with", "battery", "batteries", "page", "of", "is", "must", "only")
PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)[sd]|<[^>]*>")


def extracted() -> dict[str, tuple[str, ...]]:
    """Every msgid Babel extracts from the code, the templates and the catalog, as
    `./dev i18n` does (babel.cfg, with Msg as a keyword), and where it is used."""
    with (ROOT / "babel.cfg").open() as config:
        methods, options = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    found: dict[str, tuple[str, ...]] = {}
    keywords = {**DEFAULT_KEYWORDS, "Msg": None, "Plural": (1, 2)}
    for file, line, message, _comments, _context in extract_from_dir(
        ROOT, methods, options, keywords
    ):
        key = message if isinstance(message, str) else message[0]
        found[key] = (*found.get(key, ()), f"{file}:{line}")
    return found


def spanish() -> dict[str, tuple[str, ...]]:
    """The Spanish catalog's translations (both forms of a plural), fuzzy ones left out."""
    with po_path("es").open("rb") as po:
        catalog = read_po(po)
    translations: dict[str, tuple[str, ...]] = {}
    for m in catalog:
        if m.id and not m.fuzzy:
            key = m.id if isinstance(m.id, str) else m.id[0]
            strings = [m.string] if isinstance(m.string, str) else list(m.string or ())
            translations[key] = tuple(strings)
    return translations


def test_every_sentence_has_a_spanish_translation() -> None:
    catalog = spanish()
    found = extracted()
    assert len(found) > 300  # the extraction really ran over code, templates and catalog
    untranslated = {
        msgid: where for msgid, where in found.items() if not all(catalog.get(msgid, ("",)))
    }
    assert not untranslated, f"add Spanish for these (./dev i18n, then the .po): {untranslated}"


def test_translations_keep_every_placeholder_and_markup() -> None:
    """A translation that drops or renames {model} or <b> would break or mislead the sheet."""
    with po_path("es").open("rb") as po:
        catalog = read_po(po)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = (
            [message.string] if isinstance(message.string, str) else list(message.string or ())
        )
        want = sorted(PLACEHOLDER.findall(ids[-1]))
        wrong += [s for s in strings if sorted(PLACEHOLDER.findall(s)) != want]
    assert not wrong


def test_english_is_the_source_and_the_default() -> None:
    assert _("Quote") == "Quote"
    with language("es"):
        assert _("Quote") == "Cotización"
        assert _("an English sentence nobody translated") == "an English sentence nobody translated"
    with pytest.raises(ValueError, match="no sheet language 'fr'"):
        language("fr").__enter__()


@pytest.mark.parametrize(
    ("option", "job", "company", "chosen"),
    [
        (None, None, None, "en"),
        (None, None, "es", "es"),
        (None, "en", "es", "en"),
        (None, "es", None, "es"),
        ("en", "es", "es", "en"),
        ("es", "en", "en", "es"),
        ("ES", None, None, "es"),
    ],
)
def test_the_option_beats_the_job_beats_the_company(
    option: str | None, job: str | None, company: str | None, chosen: str
) -> None:
    assert resolve_language(option, job, company) == chosen
    options = api.SheetOptions(lang=option, company=Company(lang=company))
    assert api.sheet_language(options, job) == chosen


def test_an_unknown_language_is_exit_2(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("build", "--lang", "fr", str(EXAMPLE), "-o", "x.pdf")
    assert result.exit_code == 2
    assert "Invalid value for '--lang'" in result.err and "'en', 'es'" in result.err
    assert set(LANGUAGES) == {"en", "es"}


# --- the Spanish sheets, rendered once for the module ---------------------------------


def folded(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def sheets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The example built by the CLI with --lang es, and a wrong bank built by the library
    with the language from the company settings: each page's text, folded."""
    out = tmp_path_factory.mktemp("es") / "example.pdf"
    with pytest.raises(SystemExit) as done:
        main(["build", "--lang", "es", str(EXAMPLE), "-o", str(out)])
    assert done.value.code == 0
    options = api.SheetOptions(allow_errors=True, company=Company(lang="es"))
    wrong = api.build_sheet(api.read_spec(WRONG), options).pdf
    assert wrong is not None
    return {
        "example": "\n".join(page_texts(out.read_bytes())),
        "wrong": "\n".join(page_texts(wrong)),
    }


def spec_of(path: Path) -> BankSpec:
    spec, _findings = parse_spec(path.read_bytes(), path.name)
    assert spec is not None
    return spec


def without_spec_text(text: str, path: Path) -> str:
    """The page with what the spec itself says taken out (job fields, models, serials), and
    the port labels printed on the batteries."""
    spec = spec_of(path)
    job = spec.job
    typed = [job.title, job.customer, job.site, job.installer, job.notes, spec.inverter]
    typed += [b.serial for b in spec.batteries] + [b.model_name for b in spec.batteries]
    typed += [b.firmware for b in spec.batteries]
    typed += [model.comm_ports for model in default_catalog().models]
    files = default_catalog().firmware_files  # the connection guide's file name, as it is
    typed += [files.guide if files else None]
    for value in sorted((v for v in typed if v), key=len, reverse=True):
        text = text.replace(folded(value), " ")
    return text


@pytest.mark.slow
@pytest.mark.parametrize(("name", "path"), [("example", EXAMPLE), ("wrong", WRONG)])
def test_no_english_sentence_is_left(sheets: dict[str, str], name: str, path: Path) -> None:
    text = folded(without_spec_text(sheets[name], path))
    catalog = spanish()
    left = []
    for msgid in extracted():
        translation = " ".join(catalog.get(msgid, ("",)))
        for fragment in PLACEHOLDER.split(msgid):
            fragment = fragment.strip(" .,:;()·")
            words = re.findall(r"[A-Za-z]{2,}", fragment)
            if len(words) >= 2 and fragment not in translation and fragment in text:
                left.append(fragment)
    assert not left, f"English on the Spanish sheet: {left}"
    english = set(re.findall(r"[A-Za-z]+", text.lower())) & set(ENGLISH)
    assert not english, sorted(english)


@pytest.mark.slow
def test_spanish_words_dates_and_numbers(sheets: dict[str, str]) -> None:
    example, wrong = sheets["example"], sheets["wrong"]
    assert "24 nov 2026" in example and "2026-11-24" not in example  # es_US medium date
    # 4 pages in Spanish (3 in English): the longer words push commissioning over
    assert "Página 1 de 4" in example and "COTIZACIÓN" in example
    assert "30.72 kWh" in example  # es_US writes a decimal point, as Babel's data says
    assert "blanco/naranja" in example and "MAESTRA" in example and "SOLO PINES 7+8" in example
    assert "1 OFF · 2 ON" in folded(example)  # ON/OFF as printed on the switches
    # 7: the full cable between the LL-S and the LL-V2 (4 DIP), two new-generation ends, is right.
    assert "NO INSTALE TAL COMO ESTÁ ESPECIFICADO: 7 errores" in folded(wrong)
    assert "TAL COMO SE ENCONTRÓ" in wrong and "Solución:" in wrong
