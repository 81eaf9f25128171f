"""The library API: everything the command line and the web server do, as plain functions.

    from generator import api

    source = api.read_spec("bank.yaml")           # or api.SpecSource("bank.yaml", data)
    source = api.read_stream(sys.stdin.buffer)    # named '<stdin>', bounded like a file
    checked = api.check(source)                   # findings, and the corrected plan
    sheet = api.build_sheet(source)               # the PDF as bytes, nothing written
    fixed = api.fix(source)                       # the corrected spec as YAML text
    spec = api.extract(pdf_bytes, "sheet.pdf")    # the spec inside a sheet, or its photo

Functions raise `UserError` (generator.errors) for input that cannot be read at all and
return findings for a spec that is wrong. Nothing here prints or writes a file; the heavy
renderer (WeasyPrint, matplotlib) is imported only when a sheet is really built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from generator.bank.analysis import Analysis, analyse
from generator.bank.analysis import plan_inventory as _plan_inventory
from generator.bank.catalog import Catalog, default_catalog, load_catalog
from generator.bank.diagnostics import Finding, capped, has_errors
from generator.bank.fix import FixResult, fix_spec
from generator.bank.i18n import resolve_language
from generator.bank.plan import InstallPlan
from generator.bank.spec import BankSpec, parse_spec
from generator.bank.yamlsrc import MAX_BYTES, read_source
from generator.bounded import MAX_SHEET_BYTES
from generator.company import Company
from generator.errors import SheetError, UnreadableFile

__all__ = [
    "MAX_SHEET_BYTES",
    "Checked",
    "Extracted",
    "FixResult",
    "Sheet",
    "SheetOptions",
    "SpecSource",
    "build_sheet",
    "catalog",
    "check",
    "correction_racks",
    "dip_drawing",
    "extract",
    "fix",
    "font_file",
    "plan_inventory",
    "read_sheet",
    "read_spec",
    "read_stream",
]

STDIN = "<stdin>"  # the name findings give a spec read from standard input


@dataclass(frozen=True)
class SpecSource:
    """A spec's bytes and the name its findings are reported under (a path, '<stdin>')."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Extracted(SpecSource):
    """A spec taken out of a sheet, and where it was found, in words."""

    found: str = ""  # "attached as bank.yaml", "read from its QR code", ...


@dataclass(frozen=True)
class Checked:
    """A spec checked and corrected. `analysis` is None when there was nothing to read
    (not YAML, not a mapping); `findings` always holds every finding, in rack order."""

    source: SpecSource
    spec: BankSpec | None
    findings: list[Finding]
    analysis: Analysis | None

    @property
    def has_errors(self) -> bool:
        return has_errors(self.findings)

    @property
    def batteries(self) -> int:
        """Rack positions listed, readable or not."""
        return self.spec.slots if self.spec is not None else 0

    @property
    def plan(self) -> InstallPlan | None:
        """The corrected plan, only when the spec has no errors (what `plan` prints)."""
        if self.analysis is None or self.has_errors:
            return None
        return self.analysis.plan


@dataclass(frozen=True)
class SheetOptions:
    allow_errors: bool = False  # build a sheet that lists the errors instead of refusing
    paper: str | None = None  # letter | a4; None: the spec's choice
    company: Company | None = None
    with_html: bool = False  # also return the self-contained HTML
    lang: str | None = None  # en | es; None: the spec's job.lang, else the company's, else en


@dataclass(frozen=True)
class Sheet:
    checked: Checked
    pdf: bytes | None = None  # None: refused (errors) or nothing to print
    html: str | None = field(default=None, repr=False)

    @property
    def built(self) -> bool:
        return self.pdf is not None


def catalog(path: str | Path | None = None) -> Catalog:
    """The built-in catalog, or a company's own file (checked like a spec)."""
    return load_catalog(path) if path is not None else default_catalog()


def read_spec(path: str | Path) -> SpecSource:
    """A spec file's bytes; UnreadableFile when it is missing, a directory or too large."""
    return SpecSource(str(path), read_source(path))


def read_stream(stream: BinaryIO | None, name: str = STDIN) -> SpecSource:
    """A spec from an open stream (standard input), read no further than the size a spec
    file may have, so endless input cannot hold the reader (it is then refused as too large)."""
    if stream is None:
        raise UnreadableFile(f"{name}: standard input is not open")
    try:
        return SpecSource(name, stream.read(MAX_BYTES + 1))
    except OSError as error:
        raise UnreadableFile(f"{name}: cannot be read ({error.strerror or error})") from None


def check(source: SpecSource, catalog: Catalog | None = None) -> Checked:
    """Every finding of a spec (shape, models, rules), and its corrected plan."""
    spec, shape = parse_spec(source.data, source.name)
    if spec is None:
        return Checked(source, None, capped(shape), None)
    analysis = analyse(spec, catalog or default_catalog(), shape)
    return Checked(source, spec, analysis.findings, analysis)


def plan_inventory(
    text: str, catalog: Catalog | None = None
) -> tuple[InstallPlan | None, list[Finding]]:
    """A valid bank planned from what is on hand: 'LL-S, 2x LL-V2 (4 DIP), LifePower4'."""
    return _plan_inventory(text, catalog or default_catalog())


def fix(
    source: SpecSource, catalog: Catalog | None = None, keep_firmware: bool = False
) -> FixResult:
    """The corrected spec (order, IDs, cables), keeping comments, key order and job fields;
    or, when it cannot be corrected by rewriting, the findings that stop it. Wrong installed
    firmware goes into a comment, unless `keep_firmware` (then its E110 stays)."""
    spec, shape = parse_spec(source.data, source.name)
    if spec is None:
        return FixResult(None, capped(shape), [])
    return fix_spec(spec, shape, catalog or default_catalog(), keep_firmware)


def build_sheet(
    source: SpecSource, options: SheetOptions | None = None, catalog: Catalog | None = None
) -> Sheet:
    """The install sheet as PDF bytes (and HTML when asked), or the findings that stop it."""
    options = options or SheetOptions()
    checked = check(source, catalog)
    if checked.analysis is None or (checked.has_errors and not options.allow_errors):
        return Sheet(checked)

    from generator.sheet.pdf import lay_out, write_pdf  # heavy imports only for a sheet
    from generator.sheet.render import inline_font_urls, render_html

    # One rendering serves both outputs; the HTML file must stand alone, so its fonts go inline.
    fonts = inline_font_urls() if options.with_html else None
    name = attached_name(source.name)
    lang = sheet_language(options, checked.analysis.spec.job.lang)
    html = render_html(
        checked.analysis,
        name,
        paper=options.paper,
        fonts=fonts,
        company=options.company,
        lang=lang,
    )
    pdf = write_pdf(lay_out(html), name, source.data)  # one layout per sheet
    return Sheet(checked, pdf, html if options.with_html else None)


def sheet_language(options: SheetOptions, job_lang: str | None) -> str:
    """The language a sheet is printed in: the option (`build --lang`), else the spec's
    job.lang, else the company settings' lang, else English."""
    company = options.company.lang if options.company else None
    return resolve_language(options.lang, job_lang, company)


def attached_name(name: str) -> str:
    """The file name a spec travels under inside its sheet. `extract` looks for .yaml or .yml,
    so a spec from standard input travels as stdin.yaml."""
    path = Path(name)
    if path.suffix.lower() in (".yaml", ".yml"):
        return path.name
    return f"{path.stem.strip('<>') or 'spec'}.yaml"


def read_sheet(path: str | Path) -> bytes:
    """A sheet file's bytes (PDF, or a PNG/JPEG photo of a page), for `extract`."""
    from generator.sheet.extract import read_sheet as read

    return read(Path(path))


def extract(data: bytes, name: str) -> Extracted:
    """The spec that travels with a sheet: attached to its PDF (named as it was attached),
    or in the QR code of a photo or scan of a page (PNG, JPEG)."""
    from generator.sheet import scan

    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):  # iPhone photos
        raise SheetError(f"{name}: a HEIC photo: save or share it as JPEG or PNG, then try again")
    if scan.is_image(data):
        scanned = scan.extract_spec(data, name)
        return Extracted(scanned.name, scanned.spec, scanned.found)

    from generator.sheet.extract import extract_spec

    attached, content = extract_spec(data, name)
    return Extracted(attached, content, f"attached as {attached}")


def correction_racks(analysis: Analysis, width: float, height: float) -> tuple[str, str]:
    """The bank as found and corrected, as SVG, each within `width` × `height` inches at one
    scale; the As found rack marked with the numbers of the change list, as on the sheet."""
    from generator.sheet.figures.rack import Marks, rack_drawing
    from generator.sheet.findings import found_marks

    steps = analysis.change_list if analysis.shows_changes else ()
    marks = found_marks(analysis, steps) if steps else Marks()
    return (
        rack_drawing(analysis.as_found, width, height, marks).svg,
        rack_drawing(analysis.plan, width, height).svg,
    )


def dip_drawing(states: tuple[str, ...], on_side: str) -> str:
    """One switch block as the sheet draws it (SVG), each switch standing as `states` say."""
    from generator.sheet.figures.dip import dip_svg

    return dip_svg(states, on_side)


def font_file(weight: str) -> Path:
    """The sheet's own font file, "regular" or "bold" (the desk shows the same letters)."""
    from generator.sheet import assets

    return assets.FONTS / f"AtkinsonHyperlegible-{weight.capitalize()}.ttf"
