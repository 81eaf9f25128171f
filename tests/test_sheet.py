"""The sheet: the text actually inside the PDF, reproducibility, the attached spec, safety."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from generator import api
from generator.bank.catalog import Catalog
from generator.sheet.figures import qr
from tests.helpers import EXAMPLE, ROOT, CliResult, build_pdf, example_sheet
from tests.sheet_helpers import page_texts

pytestmark = pytest.mark.slow  # every test reads a rendered PDF

EXAMPLE_ROWS = [  # position, ID, model, DIP in words, required firmware
    (1, 1, "LL-S", "1 OFF · 2 ON · 3 ON · 4 ON · 5 ON · 6 ON", "Z02T12"),
    (2, 2, "LL-V2 (6 DIP)", "1 ON · 2 OFF · 3 ON · 4 ON · 5 ON · 6 ON", "Z02T12"),
    (3, 3, "LL-V2 (4 DIP)", "1 ON · 2 ON · 3 OFF · 4 OFF", "Z01T16"),
    (4, 4, "LL-V2 (4 DIP)", "1 ON · 2 OFF · 3 ON · 4 ON", "Z01T16"),
    (5, 5, "LL-V1", "1 ON · 2 OFF · 3 ON · 4 OFF", "V15P15"),
    (6, 6, "LifePower4", "1 OFF · 2 ON · 3 ON · 4 OFF", "V3.37 or V2.16"),
]


@pytest.fixture(scope="module")
def example_pdf() -> bytes:
    return example_sheet()


@pytest.fixture(scope="module")
def pages(example_pdf: bytes) -> list[str]:
    return page_texts(example_pdf)


@pytest.fixture(scope="module")
def rows(example_pdf: bytes) -> list[str]:
    """The pages with each table row kept on one line."""
    return page_texts(example_pdf, layout=True)


def section(pages: list[str], heading: str, following: str) -> str:
    """The text of one section, across the pages it spans."""
    text = " ".join(pages)
    start = text.index(heading)
    return text[start : text.index(following, start)]


def test_three_pages_each_with_title_block_and_page_number(pages: list[str]) -> None:
    # Sections follow one another without a blank half page between them (page budget):
    # the example takes three pages where it took four.
    assert len(pages) == 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of 3" in text
        for field in [
            "Garcia residence, ESS bank A",
            "Q-2026-0317",
            "2026-11-24",
            "Lone Star Solar Works LLC",
            "Maria Garcia",
            "4810 Ridgeview Dr, Round Rock TX 78664",
        ]:
            assert field in text, (number, field)
        assert "Q-2026-0317 1 2026-11-24" in text, number  # quote, revision, date


def test_overview_page(pages: list[str], example_pdf: bytes) -> None:
    text = pages[0]
    assert "1 · Overview" in text
    # The rack drawing itself: the text inside the figure, read from the left column only.
    # The ID is the large text at the left of each box, the serial beside the model.
    drawing = page_texts(example_pdf, crop=(0, 135, 310, 265))[0]
    assert drawing == (
        "EG4 18kPV pos. 1 to the master (ID 1) only ID 1 LL-S LLS2409-1187 MASTER standard "
        "2 (6 DIP) ID 2 LL-V2 LV2-6-2312-0458 standard 3 ID 3 LL-V2 (4 DIP) standard "
        "4 ID 4 LL-V2 (4 DIP) PINS 7+8 ONLY 5 ID 5 LL-V1 LL1-2104-0092 6 LifePower4 "
        "PINS 7+8 ONLY ID 6 LP4-2011-3310"
    )
    assert "Total capacity 30.72 kWh" in text
    assert (
        "WARNING W202 installed firmware is not given for 5 batteries (positions 1, 2, 3, 4, "
        "6): the checklist leaves it to be filled in"
    ) in text


def test_dip_page_states_in_words(rows: list[str]) -> None:
    text = section(rows, "3 · DIP switches: set", "4 · Cables")
    for position, battery_id, model, words, _ in EXAMPLE_ROWS:
        row = f"{position} {battery_id} OFF {words} ID {battery_id} = "
        assert row in text, row
        assert f"{model} ·" in text
    assert "Inferred table." in text  # LL-S: the domain brief marks its table inferred
    # The firmware stage runs on to page 2, where the DIP switches follow it.
    assert "2 · Firmware (continued)" in rows[1] and "3 · DIP switches: set" in rows[1]
    assert (
        "ID 0 (all OFF) is never used: a battery at address 0 answers every poll and collides "
        "on the bus (reverse-engineering report). IDs start at 1, the master."
    ) in text


def test_cables_page_pinouts(rows: list[str]) -> None:
    text = section(rows, "4 · Cables", "5 · Commissioning")
    for pin, colour in [
        (1, "white/orange"),
        (2, "orange"),
        (3, "white/green"),
        (4, "blue"),
        (5, "white/blue"),
        (6, "green"),
    ]:
        assert f"{pin} {colour} — empty" in text
    assert "7 white/brown RS485-B connected" in text
    assert "8 brown RS485-A connected" in text
    assert "4 5 PINS 7+8 ONLY 7, 8" in text and "5 6 PINS 7+8 ONLY 7, 8" in text
    assert "1 2 standard Cat5e patch 1, 2, 3, 4, 5, 6, 7, 8" in text
    assert "the LL-S trips its breaker" in text
    firmware = section(rows, "2 · Firmware: one battery", "3 · DIP switches: set")
    assert "1 white/orange RS485-B" in firmware and "2 orange RS485-A" in firmware


def test_checklist_page(rows: list[str]) -> None:
    text = section(rows, "2 · Firmware: one battery", "3 · DIP switches: set")
    for position, battery_id, model, _, firmware in EXAMPLE_ROWS:
        assert f"{position} {battery_id} {model}" in text
        assert firmware in text
    # required; the installed one, as the spec gives it, to be checked in BMS Tools
    # (its two lines stand above and below the row's middle line in the page text)
    assert "LL1-2104-0092 V15P15" in text
    assert "check in BMS Tools that it" in text and "reads V15P15; skip if so" in text
    assert "up to date" not in text
    assert "Installer signature" in rows[2] and "Customer signature" in rows[2]
    # The firmware is updated one battery at a time, off the bank, before commissioning.
    assert text.index("Keep the battery off the bank") < text.index("Switch on this battery")
    everything = " ".join(rows)
    assert everything.index("Switch on this battery alone") < everything.index("5 · Commissioning")
    # a LifePower4 is in the bank: each battery charged alone first, as its manual asks
    charge = everything.index("Charge each battery alone to 100% before paralleling")
    assert charge < everything.index("switch off every breaker") < everything.index("Power on")


def test_two_builds_are_byte_identical(
    tmp_path: Path, catalog: Catalog, example_pdf: bytes
) -> None:
    assert build_pdf(EXAMPLE) == example_pdf


def test_extract_round_trips_the_spec(
    run_cli: Callable[..., CliResult], tmp_path: Path, example_pdf: bytes
) -> None:
    sheet = tmp_path / "sheet.pdf"
    sheet.write_bytes(example_pdf)
    result = run_cli("extract", str(sheet), "-o", str(tmp_path / "back.yaml"))
    assert result.exit_code == 0, result.err
    assert (tmp_path / "back.yaml").read_bytes() == EXAMPLE.read_bytes()
    assert run_cli("extract", str(sheet)).out == EXAMPLE.read_text()


def test_extract_refuses_a_foreign_file(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.4 not really")
    result = run_cli("extract", str(other))
    assert result.exit_code == 2 and "Traceback" not in result.err
    assert run_cli("extract", str(tmp_path / "missing.pdf")).exit_code == 2


HOSTILE = """\
job:
  title: "<img src='file:///etc/hostname'> <b>bold</b>"
  customer: "<a rel='attachment' href='file:///etc/passwd'>x</a>"
  site: "</style><style>* {{ display: none }}</style>"
  notes: "{{{{ 7 * 7 }}}} <script>alert(1)</script> url(file:///etc/passwd)"
inverter: "<link rel=attachment href='file:///etc/passwd'>"
batteries:
  - model: LL-S
    serial: "<img src='{url}'>"
"""


def test_markup_in_text_fields_is_printed_as_text(tmp_path: Path, catalog: Catalog) -> None:
    image = tmp_path / "leak.png"
    shutil.copy(ROOT / "generator" / "sheet" / "assets" / "fonts" / "OFL.txt", image)
    spec = tmp_path / "hostile.yaml"
    spec.write_text(HOSTILE.format(url=image.as_uri()))
    pdf = build_pdf(spec, allow_errors=True)
    text = " ".join(page_texts(pdf))
    packed = text.replace(" ", "")  # text extraction may split a word where the line wrapped
    assert "<imgsrc='file:///etc/hostname'><b>bold</b>" in packed
    assert "<arel='attachment'href='file:///etc/passwd'>x</a>" in packed
    assert "<linkrel=attachmenthref='file:///etc/passwd'>" in packed
    assert "{{7*7}}<script>alert(1)</script>" in packed
    assert "</style><style>*{display:none}</style>" in packed
    reader = PdfReader(io.BytesIO(pdf))
    assert list(reader.attachments) == ["hostile.yaml"]  # only the spec itself
    passwd = Path("/etc/passwd").read_bytes()[:40]
    assert passwd not in pdf and b"root:x:0:0" not in pdf
    # No raster image was embedded but the sheet's own QR code (an image of its own making).
    analysis = api.check(api.read_spec(spec)).analysis
    assert analysis is not None
    code = qr.qr_view(analysis).img
    own = [] if code is None else [base64.b64decode(code.split(",", 1)[1])]
    drawn = [image.image.tobytes() if image.image else b"" for image in reader.pages[0].images]
    assert drawn == [Image.open(io.BytesIO(png)).tobytes() for png in own]


def test_renderer_refuses_urls_outside_its_assets() -> None:
    from generator.sheet.pdf import AssetOnlyFetcher

    fetcher = AssetOnlyFetcher()
    for url in ["file:///etc/passwd", "https://example.com/x.png", "ftp://x/y"]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    font = ROOT / "generator" / "sheet" / "assets" / "fonts" / "AtkinsonHyperlegible-Regular.ttf"
    assert fetcher.fetch(font.as_uri()).read(4) == b"\x00\x01\x00\x00"


def test_build_refuses_spec_with_errors(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    spec = tmp_path / "wrong.yaml"
    spec.write_text("batteries:\n  - model: LifePower4\n  - model: LL-S\n")
    result = run_cli("build", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "error E102" in result.err and "not built" in result.err
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_allow_errors_puts_them_on_page_one(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    spec = tmp_path / "wrong.yaml"
    spec.write_text("batteries:\n  - model: LifePower4\n  - model: LL-S\n")
    result = run_cli("build", "--allow-errors", str(spec), "-o", str(tmp_path))
    assert result.exit_code == 1  # the spec has errors, even though the sheet was built
    pages = page_texts((tmp_path / "wrong.pdf").read_bytes())
    first = pages[0]
    assert "DO NOT INSTALL AS SPECIFIED: 1 error" in first
    assert "The drawings show the corrected arrangement" in first
    assert (  # after the change list, on the Overview's pages
        "ERROR E102 LifePower4 at position 1 is the master, but LL-S at position 2 is newer"
        in " ".join(pages[:2])
    )


def test_paper_option_and_html(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = run_cli("build", "--paper", "a4", "--html", str(EXAMPLE), "-o", str(tmp_path))
    assert result.exit_code == 0, result.err
    box = PdfReader(tmp_path / "manufacturer-example.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    html = (tmp_path / "manufacturer-example.html").read_text()
    assert "file:" not in html and "data:image/svg+xml;base64," in html
    assert "data:font/ttf;base64," in html


def test_letter_is_the_default(tmp_path: Path, example_pdf: bytes) -> None:
    box = PdfReader(io.BytesIO(example_pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_sixteen_battery_sheet_is_small(tmp_path: Path, catalog: Catalog) -> None:
    spec = tmp_path / "sixteen.yaml"
    spec.write_text(
        "batteries:\n  - model: LL-S\n    count: 8\n  - model: LL-V2 (6 DIP)\n"
        "    count: 4\n  - model: LL-V2 (4 DIP)\n    count: 4\n"
    )
    size = len(build_pdf(spec))
    assert size < 150_000, size


def test_no_partial_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from generator.errors import OutputError
    from generator.output import files as build

    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OutputError, match=r"x\.pdf: cannot be written: the disk is full"):
        build.write_atomic(tmp_path / "x.pdf", b"%PDF")
    assert list(tmp_path.iterdir()) == []


def test_sheet_from_installed_wheel(tmp_path: Path) -> None:
    """Build a wheel, install it into a fresh venv, and render from there (not the checkout)."""
    venv = tmp_path / "venv"
    dist = tmp_path / "dist"
    python = venv / "bin" / "python"
    site = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # A venv without its own pip (ensurepip costs seconds): the test environment's pip
    # builds the wheel and installs it into the venv (pip --python).
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    # Reuse the dependencies already installed for the tests, so no download is needed.
    (venv / "lib" / "python3.11" / "site-packages" / "deps.pth").write_text(site + "\n")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(ROOT)],
        check=True,
        cwd=tmp_path,
    )
    wheel = next(dist.glob("eg4sheet-*.whl"))
    subprocess.run(
        [*pip, "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
        check=True,
        cwd=tmp_path,
    )
    spec = tmp_path / "bank.yaml"
    shutil.copy(EXAMPLE, spec)
    script = (
        "import generator, generator.sheet.assets as a; print(generator.__file__); "
        "print(a.templates_dir())"
    )
    where = subprocess.run(
        [str(python), "-I", "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout.split()
    assert all(str(ROOT) not in line for line in where), where
    result = subprocess.run(
        [str(venv / "bin" / "eg4sheet"), "build", "bank.yaml", "-o", "out"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Page 1 of 3" in page_texts((tmp_path / "out" / "bank.pdf").read_bytes())[0]


def test_identical_bytes_without_harfbuzz_subsetting(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli: Callable[..., CliResult],
    weasyprint_warnings: list[str],
) -> None:
    """Without libharfbuzz-subset WeasyPrint subsets with fontTools, which stamps the time
    into each font unless SOURCE_DATE_EPOCH is set: the command line sets it at its start
    (never on import), and two builds must still match. WeasyPrint says it falls back."""
    import time

    import weasyprint.pdf.fonts

    monkeypatch.setattr(weasyprint.pdf.fonts, "harfbuzz_subset", None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert run_cli("build", str(EXAMPLE), "-o", str(tmp_path / "a")).exit_code == 0
    time.sleep(1.1)  # a fresh timestamp, if one were stamped
    assert run_cli("build", str(EXAMPLE), "-o", str(tmp_path / "b")).exit_code == 0
    first = (tmp_path / "a" / EXAMPLE.with_suffix(".pdf").name).read_bytes()
    assert (tmp_path / "b" / EXAMPLE.with_suffix(".pdf").name).read_bytes() == first
    assert weasyprint_warnings and all(
        "Using fontTools instead of HarfBuzz-Subset" in heard for heard in weasyprint_warnings
    )
    weasyprint_warnings.clear()  # expected here, and only here
