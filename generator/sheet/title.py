"""The title block: every job field fitted to its box, the company block beside them.

Fitting measures text with the sheet's own font (fit.py): a field wraps, shrinks to a floor,
then ends in an ellipsis, so the block keeps one height whatever is typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.bank.i18n import _
from generator.bank.i18n import date as local_date
from generator.bank.plan import InstallPlan
from generator.company import Company
from generator.sheet import fit
from generator.sheet.figures.titleblock import Cell, title_block_svg
from generator.sheet.images import Figure, svg_url

PT = 72
# Title block fields: (sizes to try in points, the value's height in points).
TITLE_SIZES = (12.0, 11.0, 10.0, 9.0)
FIELD_SIZES = (9.0, 8.0, 7.5, 7.0)
ROW1_H, ROW2_H = 26.5, 19.5  # fits the QR code's caption above the block (issue 13)
TITLE_LEADING = 1.1
LEADING = 1.15
LABEL_H = 12.5  # a title-block box's label and padding above its value, points


@dataclass(frozen=True)
class TitleBlock:
    img: Figure  # the block, every field fitted to its box
    logo_url: str | None  # the company's logo, placed over the company box
    logo_width: float  # inches the logo may take


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

    def row(y: float, height: float, fields: list[tuple[str, str | None, float, bool]]) -> None:
        x = left
        for label, text, share, bold in fields:
            part = rest * share
            sizes = TITLE_SIZES if bold else FIELD_SIZES
            leading = TITLE_LEADING if bold else LEADING
            fitted = _fit_field(text or "—", part - 9, height - LABEL_H, sizes, bold, leading)
            cells.append(
                Cell(x, y, part, height, label, fitted.size, fitted.lines, bold, leading=leading)
            )
            x += part

    row(
        0,
        row1,
        [
            (_("Battery bank install sheet"), job.title or Path(spec_name).stem, 0.5, True),
            (_("Quote"), job.quote, 0.2, False),
            (_("Revision"), job.revision, 0.13, False),
            (_("Date"), local_date(job.date), 0.17, False),
        ],
    )
    row(
        row1,
        row2,
        [
            (_("Installer"), job.installer, 0.33, False),
            (_("Customer"), job.customer, 0.33, False),
            (_("Site"), job.site, 0.34, False),
        ],
    )
    logo_h = 20.0 if company and company.logo_url else 0.0
    if with_company and company is not None:
        cells += company_cells(company, left, row1 + row2, logo_h)
    svg = title_block_svg(cells, width, row1 + row2)
    return TitleBlock(
        Figure(svg_url(svg), width / PT, (row1 + row2) / PT),
        company.logo_url if company else None,
        (left - 9) / PT,
    )


def _fit_field(
    text: str,
    room: float,
    height: float,
    sizes: tuple[float, ...],
    bold: bool,
    leading: float = LEADING,
) -> fit.Fitted:
    """The largest size at which the text wraps into the lines that fit the box's height; at
    the smallest size, as many lines as fit, the last one cut with an ellipsis. A size at
    which every word (a quote, a date, a model name) fits whole is preferred to a larger one
    that would break a word after a hyphen (issue 18, point 7)."""
    for size in sizes:
        if any(fit.width(word, size, bold) > room for word in text.split()):
            continue
        lines = max(1, int(height // (size * leading)))
        wrapped = fit.wrap(text, room, size, bold)
        if len(wrapped) <= lines:
            return fit.Fitted(size, tuple(wrapped))
    for size in sizes:
        lines = max(1, int(height // (size * leading)))
        wrapped = fit.wrap(text, room, size, bold)
        if len(wrapped) <= lines:
            return fit.Fitted(size, tuple(wrapped))
    floor = sizes[-1]
    return fit.fit(text, room, (floor,), max(1, int(height // (floor * leading))), bold)


def company_cells(company: Company, width: float, height: float, logo_h: float) -> list[Cell]:
    """The company box: logo, name (bold), address, phone and licence, at the largest sizes
    that let all of it fit; the address is cut short first when nothing else will do."""
    room = width - 9
    contact = " · ".join(
        part
        for part in (
            company.phone,
            _("License {licence}").format(licence=company.licence) if company.licence else None,
        )
        if part
    )
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
    name_lines = fit.fit(name, room, (name_size,), 2, True).lines if name else ()
    contact_lines = fit.fit(contact, room, (size,), 2).lines if contact else ()
    left = space - len(name_lines) * name_size * LEADING - len(contact_lines) * size * LEADING
    fits = max(1, int(left // (size * LEADING)))
    address_lines = fit.fit(address, room, (size,), fits).lines if address else ()
    top = logo_h + 1 if logo_h else 0.0
    cells = []
    for index, (lines, part_size, bold) in enumerate(
        ((name_lines, name_size, True), (address_lines, size, False), (contact_lines, size, False))
    ):
        box = (0.0, 0.0, width, height) if index == 0 else (0.0, 0.0, 0.0, 0.0)
        cells.append(Cell(*box, None, part_size, tuple(lines), bold, top))
        top += len(lines) * part_size * LEADING
    return cells
