"""Sales: the bill of materials (CSV and sheet) and the company block with its logo."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator import api
from tests.helpers import EXAMPLE, CliResult, example_sheet
from tests.sheet_helpers import own_images, page_texts, raster_images

pytestmark = pytest.mark.slow  # PDFs and CSVs from real builds

ONE_BATTERY = "batteries:\n  - model: LL-S\n    firmware: Z02T12\n"

PNG_1X1 = bytes.fromhex(  # a whole, valid PNG: a damaged logo is refused since issue 10
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63606060f80f00010401005fe5c34b0000000049454e44ae426082"
)


def test_bom_csv_of_the_example_row_by_row(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    bom = tmp_path / "bom.csv"
    result = run_cli("build", str(EXAMPLE), "-o", str(tmp_path), "--bom", str(bom))
    assert result.exit_code == 0, result.err
    rows = list(csv.reader(io.StringIO(bom.read_text())))
    assert rows == [
        ["spec", "kind", "item", "quantity", "unit_kwh", "total_kwh", "note"],
        ["manufacturer-example", "battery", "Battery LL-S", "1", "5.12", "5.12", "51.2 V 100 Ah"],
        [
            "manufacturer-example",
            "battery",
            "Battery LL-V2 (6 DIP)",
            "1",
            "5.12",
            "5.12",
            "51.2 V 100 Ah",
        ],
        [
            "manufacturer-example",
            "battery",
            "Battery LL-V2 (4 DIP)",
            "2",
            "5.12",
            "10.24",
            "51.2 V 100 Ah",
        ],
        ["manufacturer-example", "battery", "Battery LL-V1", "1", "5.12", "5.12", "51.2 V 100 Ah"],
        [
            "manufacturer-example",
            "battery",
            "Battery LifePower4",
            "1",
            "5.12",
            "5.12",
            "51.2 V 100 Ah",
        ],
        [
            "manufacturer-example",
            "neighbour-cable",
            "Neighbour cable, standard Cat5e patch",
            "3",
            "",
            "",
            "all 8 pins, straight through (T568B)",
        ],
        [
            "manufacturer-example",
            "neighbour-cable",
            "Neighbour cable, pins 7 and 8 only",
            "2",
            "",
            "",
            "Cat5e, only pins 7 and 8 populated, straight through",
        ],
        [
            "manufacturer-example",
            "firmware-cable",
            "Firmware-update cable (PC to battery, RS485)",
            "1",
            "",
            "",
            "pins 1 (RS485-B) and 2 (RS485-A), for BMS Tools",
        ],
        [
            "manufacturer-example",
            "total",
            "Bank total",
            "6",
            "",
            "30.72",
            "batteries and nominal capacity",
        ],
    ]


def test_bom_on_the_sheet() -> None:
    pages = page_texts(example_sheet(), layout=True)  # the example's sheet, built once a process
    cables = next(page for page in pages if "Bill of materials" in page)
    assert "4 · Cables" in cables  # the bill of materials is part of the cables section
    for row in [
        "2 Battery LL-V2 (4 DIP) 10.24",
        "3 Neighbour cable, standard Cat5e patch",
        "2 Neighbour cable, pins 7 and 8 only",
        "6 Bank total 30.72",
    ]:
        assert row in cables, row


@pytest.fixture
def company(tmp_path: Path) -> Path:
    (tmp_path / "logo.png").write_bytes(PNG_1X1)
    settings = tmp_path / "company.yaml"
    settings.write_text(
        "name: Lone Star Solar Works LLC\naddress: 100 Congress Ave, Austin TX\n"
        "phone: (512) 555-0142\nlicence: TECL 34567\nlogo: logo.png\n"
    )
    return settings


def test_company_logo_on_every_page(
    run_cli: Callable[..., CliResult], tmp_path: Path, company: Path
) -> None:
    result = run_cli("build", str(EXAMPLE), "-o", str(tmp_path / "out"), "--company", str(company))
    assert result.exit_code == 0, result.err
    pdf = (tmp_path / "out" / "manufacturer-example.pdf").read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    # The logo and the sheet's QR code on each of the 3 pages: two images, each stored once.
    assert [len(page.images) for page in reader.pages] == [2, 2, 2]
    for text in page_texts(pdf):
        assert "Lone Star Solar Works LLC" in text
        assert "(512) 555-0142 · License TECL 34567" in text  # US English


def test_company_file_found_in_working_directory(
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
    company: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    company.rename(tmp_path / "eg4sheet.yaml")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bank.yaml").write_text(ONE_BATTERY)  # the quickest sheet: the test is the file
    assert run_cli("build", "bank.yaml", "-o", "out").exit_code == 0
    reader = PdfReader(tmp_path / "out" / "bank.pdf")
    assert len(reader.pages[0].images) == 2  # the logo and the QR code


def test_bad_company_file(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    settings = tmp_path / "company.yaml"
    settings.write_text("name: X\nlogoo: x.png\n")
    result = run_cli("build", str(EXAMPLE), "-o", str(tmp_path), "--company", str(settings))
    assert result.exit_code == 2
    assert f"{settings}:2:1: error E003: unknown key 'logoo' in the company settings" in result.err
    settings.write_text("name: X\nlogo: /etc/passwd\n")
    result = run_cli("build", str(EXAMPLE), "-o", str(tmp_path), "--company", str(settings))
    assert result.exit_code == 2 and "a logo must be PNG, JPEG or SVG" in result.err


@pytest.mark.parametrize("where", ["top", "job"])
def test_logo_path_in_a_bank_spec_is_refused(
    run_cli: Callable[..., CliResult], tmp_path: Path, where: str
) -> None:
    logo = tmp_path / "secret.png"
    logo.write_bytes(PNG_1X1)
    line = f"logo: {logo}\n"
    text = "job:\n  title: Garcia residence\n" + ONE_BATTERY  # a quick sheet with a job
    spec = tmp_path / "bank.yaml"
    if where == "top":
        spec.write_text(line + text)
    else:
        spec.write_text(text.replace("job:\n", "job:\n  " + line, 1))
    result = run_cli("build", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "error E003: unknown key 'logo'" in result.err
    assert "a bank spec never names files" in result.err
    assert not (tmp_path / "out").exists()
    # Even when told to build anyway, nothing named by the spec is read into the sheet.
    run_cli("build", "--allow-errors", str(spec), "-o", str(tmp_path / "out"))
    sheet = (tmp_path / "out" / "bank.pdf").read_bytes()
    assert raster_images(sheet) == own_images(api.read_spec(spec))  # the QR code, if any
