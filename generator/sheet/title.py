"""The title block: every job field fitted to its box, the company block beside them.

Fitting measures text with the sheet's own font (fit.py): a field wraps at spaces, shrinks to
a floor, then ends in an ellipsis, so the block keeps one height whatever is typed. Which
fields were cut is kept (`TitleBlock.cut`): the sheet then prints them in full on page 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.bank.i18n import _
from generator.bank.i18n import date as local_date
from generator.bank.plan import InstallPlan
from generator.company import Company
from generator.sheet import fit
from generator.sheet.figures.titleblock import LABEL_SIZE, Cell, title_block_svg
from generator.sheet.images import Figure, svg_url

PT = 72
# Title block fields: (sizes to try in points, the value's height in points).
TITLE_SIZES = (12.0, 11.0, 10.0, 9.0)
FIELD_SIZES = (9.0, 8.0, 7.5, 7.0)
ROW1_H, ROW2_H = 26.5, 19.5  # fits the QR code's caption above the block (issue 13)
TITLE_LEADING = 1.1
LEADING = 1.15
LABEL_H = 12.5  # a title-block box's label and padding above its value, points
WHOLE_FIELDS = ("quote", "date")  # kept on one line, spaces and all, or cut short


def _kept(key: str, text: str | None) -> str | None:
    """A quote or a date held together by no-break spaces ("24 novembre 2026")."""
    return text.replace(" ", fit.NBSP) if text and key in WHOLE_FIELDS else text


@dataclass(frozen=True)
class TitleBlock:
    img: Figure  # the block, every field fitted to its box
    logo_url: str | None  # the company's logo, placed over the company box
    logo_width: float  # inches the logo may take
    cut: tuple[str, ...] = ()  # the fields shortened with an ellipsis: "title", "site", "company"


def title_block(
    plan: InstallPlan, spec_name: str, width: float, company: Company | None
) -> TitleBlock:
    """Every job field fitted to its box: wrapped, shrunk to a floor, then cut with an
    ellipsis, so the block keeps one height whatever is typed."""
    job = plan.job
    with_company = bool(company and (company.name or company.logo_url))
    left = round(width * 0.26, 2) if with_company else 0.0
    rest = width - left
    row1, row2 = ROW1_H + LABEL_H, ROW2_H + LABEL_H  # the value, its label and padding
    cells: list[Cell] = []
    cut: list[str] = []

    def row(y: float, height: float, fields: list[tuple[str, str, str | None, float]]) -> None:
        x = left
        for key, label, text, share in fields:
            part = rest * share
            bold = key == "title"
            sizes = TITLE_SIZES if bold else FIELD_SIZES
            leading = TITLE_LEADING if bold else LEADING
            value = _kept(key, text) or "—"
            labels = label_lines(label, part - 9)
            room = height - LABEL_H - (len(labels) - 1) * LABEL_SIZE * LEADING
            fitted = _fit_field(value, part - 9, room, sizes, bold, leading)
            cells.append(
                Cell(x, y, part, height, labels, fitted.size, fitted.lines, bold, leading=leading)
            )
            if fitted.cut:
                cut.append(key)
            x += part

    row(
        0,
        row1,
        [
            ("title", _("Battery bank install sheet"), job.title or Path(spec_name).stem, 0.5),
            ("quote", _("Quote"), job.quote, 0.2),
            ("revision", _("Revision"), job.revision, 0.13),
            ("date", _("Date"), local_date(job.date), 0.17),
        ],
    )
    row(
        row1,
        row2,
        [
            ("installer", _("Installer"), job.installer, 0.33),
            ("customer", _("Customer"), job.customer, 0.33),
            ("site", _("Site"), job.site, 0.34),
        ],
    )
    logo_h = 20.0 if company and company.logo_url else 0.0
    if with_company and company is not None:
        company_part, company_cut = company_cells(company, left, row1 + row2, logo_h)
        cells += company_part
        if company_cut:
            cut.append("company")
    svg = title_block_svg(cells, width, row1 + row2)
    return TitleBlock(
        Figure(svg_url(svg), width / PT, (row1 + row2) / PT),
        company.logo_url if company else None,
        (left - 9) / PT,
        tuple(cut),
    )


def label_lines(label: str, room: float) -> tuple[str, ...]:
    """A box's label in capitals, at the label's one size (7 pt, the sheet's floor): on one
    line where it fits, else wrapped at spaces onto more, every word whole; the value below
    gives up the room (a Spanish label in the narrow boxes beside a company block)."""
    return tuple(fit.wrap(label.upper(), room, LABEL_SIZE))


def _fit_field(
    text: str,
    room: float,
    height: float,
    sizes: tuple[float, ...],
    bold: bool,
    leading: float = LEADING,
) -> fit.Fitted:
    """The largest size at which the text wraps, every word whole (a quote, a date, a model
    name is never broken: issue 18, point 7), into the lines that fit the box's height; at
    the smallest size, as many lines as fit, the last one cut with an ellipsis."""
    for size in sizes:
        lines = max(1, int(height // (size * leading)))
        wrapped = fit.wrap(text, room, size, bold)
        if len(wrapped) <= lines and fit.fits(wrapped, room, size, bold):
            return fit.Fitted(size, tuple(wrapped))
    floor = sizes[-1]
    return fit.fit(text, room, (floor,), max(1, int(height // (floor * leading))), bold)


def contact_line(company: Company) -> str:
    """Phone and licence, each number held together by no-break spaces ("TECL 34567")."""
    phone = company.phone.replace(" ", fit.NBSP) if company.phone else None
    licence = company.licence.replace(" ", fit.NBSP) if company.licence else None
    return " · ".join(
        part
        for part in (phone, _("License {licence}").format(licence=licence) if licence else None)
        if part
    )


def company_cells(
    company: Company, width: float, height: float, logo_h: float
) -> tuple[list[Cell], bool]:
    """The company box: logo, name (bold), address, phone and licence, at the largest sizes
    that let all of it fit; the address is cut short first when nothing else will do. With
    it, whether anything was cut."""
    room = width - 9
    contact = contact_line(company)
    space = height - 5 - (logo_h + 1 if logo_h else 0)
    parts: list[tuple[str, float, bool]] = []
    for name_size, size in ((9.0, 7.5), (8.0, 7.5), (8.0, 7.0), (7.5, 7.0), (7.0, 7.0)):
        parts = [(company.name or "", name_size, True), (company.address or "", size, False)]
        parts.append((contact, size, False))
        used = sum(
            len(fit.wrap(text, room, part_size, bold)) * part_size * LEADING
            for text, part_size, bold in parts
        )
        if used <= space:
            break
    # Name and contact keep up to two lines each; the address takes what room is left.
    (name, name_size, _bold), (address, size, _plain), _contact = parts
    empty = fit.Fitted(size, ())
    name_fit = fit.fit(name, room, (name_size,), 2, True) if name else empty
    contact_fit = fit.fit(contact, room, (size,), 2) if contact else empty
    left = space - len(name_fit.lines) * name_size * LEADING
    left -= len(contact_fit.lines) * size * LEADING
    fits = max(1, int(left // (size * LEADING)))
    address_fit = fit.fit(address, room, (size,), fits) if address else empty
    top = logo_h + 1 if logo_h else 0.0
    cells = []
    for index, (fitted, part_size, bold) in enumerate(
        ((name_fit, name_size, True), (address_fit, size, False), (contact_fit, size, False))
    ):
        box = (0.0, 0.0, width, height) if index == 0 else (0.0, 0.0, 0.0, 0.0)
        cells.append(Cell(*box, (), part_size, fitted.lines, bold, top))
        top += len(fitted.lines) * part_size * LEADING
    return cells, any(f.cut for f in (name_fit, contact_fit, address_fit))


JOB_SIZE = 8.5  # points: the job block's text (rendered into sheet.css, table.job)
JOB_LABEL_W = 0.9  # inches: the job block's label column (likewise)


@dataclass(frozen=True)
class JobLine:
    """One job field in full, as page 1's job block prints it: each word with whether it
    fits its column whole (it is then kept from breaking; a longer one may break)."""

    label: str
    words: tuple[tuple[str, bool], ...]


def job_block(
    plan: InstallPlan, spec_name: str, company: Company | None, block: TitleBlock, room: float
) -> tuple[JobLine, ...]:
    """Every job field in full, when the title block cut any of them short (issue 18,
    point 7): lines break at spaces only. `room` is the value column's width in points."""
    if not block.cut:
        return ()
    job = plan.job
    fields = [
        (_("Title"), job.title or Path(spec_name).stem),
        (_("Customer"), job.customer),
        (_("Site"), job.site),
        (_("Installer"), job.installer),
        (_("Quote"), _kept("quote", job.quote)),
        (_("Revision"), job.revision),
        (_("Date"), _kept("date", local_date(job.date))),
    ]
    if "company" in block.cut and company is not None:
        parts = (company.name, company.address, contact_line(company))
        fields.append((_("Company"), " · ".join(part for part in parts if part)))
    return tuple(
        JobLine(label, _words(text, room)) for label, text in fields if text and text.strip()
    )


def _words(text: str, room: float) -> tuple[tuple[str, bool], ...]:
    """The words of a value, each with whether it fits `room` whole; a piece held together by
    no-break spaces that does not fit falls apart into its words."""
    words: list[tuple[str, bool]] = []
    for piece in fit.SPACES.split(text.strip()):
        parts = [piece] if fit.width(piece, JOB_SIZE) <= room else piece.split(fit.NBSP)
        words += [
            (part.replace(fit.NBSP, " "), fit.width(part, JOB_SIZE) <= room) for part in parts
        ]
    return tuple(words)
