"""Photos and scans of printed pages: `eg4sheet extract` reads the QR code back into a spec
whose plan equals the original's; with no code, a foreign one or a damaged one it exits 2
and writes nothing."""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import segno
from PIL import Image, ImageFilter

from generator import api
from generator.bank import payload
from generator.errors import UserError
from generator.sheet import scan
from generator.sheet.figures import qr
from tests.helpers import EXAMPLE, ROOT, CliResult, build_pdf, example_sheet
from tests.hostile_scenarios import tall_png
from tests.sheet_helpers import page_texts

QR_BANKS = ROOT / "tests" / "qr_banks"
BANKS = {  # the spec, and the page of its sheet that is photographed
    "1": (QR_BANKS / "one.yaml", 1),
    "6": (EXAMPLE, 2),
    "16": (QR_BANKS / "sixteen.yaml", 4),
    "64": (QR_BANKS / "sixty-four.yaml", 6),  # A4, every job field: the code holds the bank alone
}
# (bank, grey, dpi, degrees): each bank scanned in grey at 150 dpi and in colour at the lowest
# resolution that its code leaves room for (the smaller the payload, the larger the modules).
SCANS = [
    ("1", True, 150, -3.0),
    ("1", False, 100, 2.0),
    ("6", True, 150, 2.5),
    ("6", False, 130, -2.0),
    ("16", True, 150, -2.5),
    ("16", False, 130, 3.0),
    ("64", True, 150, 3.0),
    ("64", False, 150, -2.0),
]


def plan_of(spec: bytes) -> object:
    plan = api.check(api.SpecSource("bank.yaml", spec)).plan
    assert plan is not None
    return plan.as_json_dict()


def render(pdf: bytes, page: int, dpi: int, grey: bool) -> Image.Image:
    """One page of the sheet as a scanner would see it (pdftoppm, as the visual tests use).
    Written as PGM or PPM, not PNG: the same pixels, and pdftoppm's PNG encoding was 0.30 of
    its 0.32 s of CPU a page at 150 dpi."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: run the tests with ./dev test, which installs it")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "sheet.pdf").write_bytes(pdf)
        command = ["pdftoppm", "-singlefile", "-r", str(dpi), "-f", str(page), "-l", str(page)]
        command += [*(["-gray"] if grey else []), "sheet.pdf", "page"]
        subprocess.run(command, cwd=folder, check=True)
        with Image.open(Path(folder) / ("page.pgm" if grey else "page.ppm")) as image:
            assert image.mode == ("L" if grey else "RGB"), image.mode
            return image.copy()


def photographed(image: Image.Image, degrees: float) -> bytes:
    """A few degrees crooked, slightly blurred, saved as a JPEG of quality 60."""
    white = 255 if image.mode == "L" else (255, 255, 255)
    turned = image.rotate(degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=white)
    out = io.BytesIO()
    turned.filter(ImageFilter.GaussianBlur(0.6)).save(out, "JPEG", quality=60)
    return out.getvalue()


Scanned = Callable[[str, int, bool], Image.Image]


@pytest.fixture(scope="module")
def sheets() -> dict[str, bytes]:
    return {
        bank: example_sheet() if spec == EXAMPLE else build_pdf(spec)
        for bank, (spec, _) in BANKS.items()
    }


@pytest.fixture(scope="module")
def scanned(sheets: dict[str, bytes]) -> Scanned:
    """The photographed page of each bank's sheet, rendered once per resolution and colour."""

    @functools.cache
    def scanned_page(bank: str, dpi: int, grey: bool) -> Image.Image:
        return render(sheets[bank], BANKS[bank][1], dpi, grey)

    return scanned_page


@pytest.mark.slow
@pytest.mark.parametrize(("bank", "grey", "dpi", "degrees"), SCANS)
def test_a_photo_of_any_page_gives_back_the_plan(
    scanned: Scanned,
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
    bank: str,
    grey: bool,
    dpi: int,
    degrees: float,
) -> None:
    spec, _ = BANKS[bank]
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photographed(scanned(bank, dpi, grey), degrees))
    result = run_cli("extract", str(photo), "-o", str(tmp_path / "back.yaml"))
    assert result.exit_code == 0, result.err
    back = (tmp_path / "back.yaml").read_bytes()
    assert plan_of(back) == plan_of(spec.read_bytes())
    bank_alone = bank == "64"
    assert result.err == f"{photo}: wrote {tmp_path / 'back.yaml'} (read from its QR code" + (
        ", which holds the bank alone: add the job fields)\n" if bank_alone else ")\n"
    )
    assert back.startswith(b"# Bank spec read from the QR code of an eg4sheet install sheet")
    assert (b"# The code carried the bank alone" in back) == bank_alone


@pytest.mark.slow
@pytest.mark.parametrize("bank", list(BANKS))
def test_the_code_is_inside_the_page_and_clear_of_everything(
    sheets: dict[str, bytes], scanned: Scanned, bank: str
) -> None:
    """At least 5 mm from the paper's edges (where printers print), with a blank quiet zone
    of 4 modules all round; and every page says what the code is for."""
    import zxingcpp

    spec, _ = BANKS[bank]
    image = scanned(bank, 150, True)
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    (code,) = zxingcpp.read_barcodes(image, formats=formats)
    corners = code.position  # the symbol's outer corners
    points = [corners.top_left, corners.top_right, corners.bottom_left, corners.bottom_right]
    left, right = min(p.x for p in points), max(p.x for p in points)
    top, bottom = min(p.y for p in points), max(p.y for p in points)
    mm = 150 / 25.4  # pixels a millimetre
    assert left > 5 * mm and top > 5 * mm
    assert right < image.width - 5 * mm and bottom < image.height - 5 * mm
    analysis = api.check(api.read_spec(spec)).analysis
    assert analysis is not None
    view = qr.qr_view(analysis)
    assert abs((right - left) / mm - view.symbol_mm) < 0.5
    ring = round(qr.QUIET * view.module_mm * mm) - 2  # less the blur of the edges, 2 pixels
    zone = image.crop((left - ring, top - ring, right + ring + 1, bottom + ring + 1))
    zone.paste(255, (ring - 1, ring - 1, zone.width - ring + 1, zone.height - ring + 1))
    assert min(zone.tobytes()) > 160, "something is drawn in the quiet zone"
    for text in page_texts(sheets[bank]):
        assert "Scan to reload this bank in eg4sheet" in text
        assert ("(the bank alone: copy the job fields from this sheet)" in text) == (bank == "64")


@pytest.mark.slow
def test_a_photo_of_several_pages_gives_the_valid_code(scanned: Scanned) -> None:
    """Two pages side by side, the first one's code torn: the second one's counts."""
    torn = scanned("6", 150, True).copy()
    torn.paste(0, (torn.width - 300, 60, torn.width, 110))  # a bar across the code
    with pytest.raises(UserError, match="a QR code was found but cannot be read"):
        api.extract(photographed(torn, 1.5), "torn.jpg")
    whole = scanned("16", 150, True)
    both = Image.new("L", (torn.width + whole.width, max(torn.height, whole.height)), 255)
    both.paste(torn, (0, 0))
    both.paste(whole, (torn.width, 0))
    back = api.extract(photographed(both, 1.5), "two-pages.jpg")
    assert plan_of(back.data) == plan_of(BANKS["16"][0].read_bytes())
    assert back.name == "two-pages.yaml"


def code_png(text: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    segno.make(text, micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


GOOD = payload.encode(
    api.check(api.read_spec(EXAMPLE)).spec,  # type: ignore[arg-type]
    api.catalog(),
)


def blank_png(width: int = 1200, height: int = 1500) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, "PNG")
    return out.getvalue()


def scribbled(png: bytes) -> bytes:
    """The code with a thick bar across its middle: found, but past repair."""
    image = Image.open(io.BytesIO(png)).convert("L")
    image.paste(0, (0, image.height // 2 - 20, image.width, image.height // 2 + 20))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("blank.png", blank_png(), "no QR code found; photograph or scan a whole page"),
        ("url.png", code_png("https://example.com/"), "the QR code in it is not an eg4sheet code"),
        (
            "damaged.png",
            code_png(GOOD[:60] + ("A" if GOOD[60] != "A" else "B") + GOOD[61:]),
            "the eg4sheet QR code is damaged (",
        ),
        ("newer.png", code_png("EG4S2:ABC"), "the QR code is in format 2; this eg4sheet reads"),
        ("scribbled.png", scribbled(code_png(GOOD)), "a QR code was found but cannot be read"),
        ("cut.png", code_png(GOOD)[:30], "not a readable PNG or JPEG image"),
        ("cut.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 50, "not a readable PNG or JPEG image"),
    ],
    ids=lambda value: value if isinstance(value, str) and value.endswith(("png", "jpg")) else "",
)
def test_no_valid_code_exits_2_and_writes_nothing(
    run_cli: Callable[..., CliResult], tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    photo = tmp_path / name
    photo.write_bytes(data)
    result = run_cli("extract", str(photo), "-o", str(tmp_path / "back.yaml"))
    assert (result.exit_code, result.out) == (2, "")
    assert result.err.startswith(f"Error: {photo}: {message}"), result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "back.yaml").exists()


def test_the_good_code_itself_is_read() -> None:
    """The negative cases above fail for their own reason: the same code, undamaged, reads."""
    back = api.extract(code_png(GOOD), "code.png")
    assert plan_of(back.data) == plan_of(EXAMPLE.read_bytes())
    assert back.found == "read from its QR code"


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size: the header is all that is read before refusing it."""
    image = Image.new("L", (1, 1), 255)
    out = io.BytesIO()
    image.save(out, "PNG")
    data = bytearray(out.getvalue())
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


@pytest.mark.parametrize(("width", "height"), [(8000, 8000), (60000, 60000)])
def test_huge_images_are_refused_before_decoding(width: int, height: int) -> None:
    with pytest.raises(UserError, match="the image is larger than 50 megapixels"):
        api.extract(png_header(width, height), "huge.png")


def png_header_of(mode: str, width: int, height: int) -> bytes:
    image = Image.new(mode, (1, 1))
    out = io.BytesIO()
    image.save(out, "PNG")
    data = bytearray(out.getvalue())
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (tall_png, "the image is 1 × 49999999 pixels, no photo or scan of a page"),
        (
            lambda: tall_png(3, 3_000_000),
            "the image is 3 × 3000000 pixels, no photo or scan of a page",
        ),
        (lambda: png_header(20, 2000), "the image is 20 × 2000 pixels, no photo or scan of a page"),
        (
            lambda: png_header_of("RGB", 6000, 6000),
            "the image would take 144 MB to decode (6000 × 6000 pixels, RGB), more than 120 MB",
        ),
        (
            lambda: png_header_of("I;16", 7000, 7000),
            "the image would take 98 MB to decode",  # 16-bit grey: 2 bytes a pixel, allowed...
        ),
    ],
    ids=["tall-16-bit", "strip", "narrow", "colour-36-mp", "grey-16-bit-49-mp"],
)
def test_an_image_is_judged_by_its_header_before_decoding(
    make: Callable[[], bytes], message: str
) -> None:
    """Shape and the memory its pixels take, from the header: refused in a moment. The images
    are made when the test runs, not when every worker collects it (the tall one takes 0.08 s)."""
    data = make()
    if message.startswith("the image would take 98 MB"):  # ...and then found damaged
        with pytest.raises(UserError, match="not a readable PNG or JPEG image"):
            api.extract(data, "photo.png")
        return
    with pytest.raises(UserError) as refused:
        api.extract(data, "photo.png")
    assert str(refused.value).startswith(f"photo.png: {message}")


def test_the_tall_png_is_refused_in_little_memory(tmp_path: Path) -> None:
    """The 146 kB PNG of 1 x 49,999,999 16-bit pixels took 934 MB and ended in exit 3."""
    photo = tmp_path / "tall.png"
    photo.write_bytes(tall_png())
    # The peak of this process alone (VmHWM): ru_maxrss would count the parent's, as Linux
    # keeps it across fork and exec.
    code = (
        "import re\n"
        "from pathlib import Path\n"
        "from generator.cli import main\n"
        "try:\n"
        f"    main(['extract', {str(photo)!r}])\n"
        "except SystemExit as exit_:\n"
        "    status = Path('/proc/self/status').read_text()\n"
        "    peak = int(re.search(r'VmHWM:\\s+(\\d+) kB', status)[1]) // 1024\n"
        "    print(exit_.code, peak)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    status, peak = result.stdout.split()
    assert status == "2", result.stderr
    assert "the image is 1 × 49999999 pixels, no photo or scan of a page" in result.stderr
    assert int(peak) < 200, f"{peak} MB"


def side_by_side(*pngs: bytes) -> bytes:
    images = [Image.open(io.BytesIO(png)).convert("L") for png in pngs]
    both = Image.new("L", (sum(i.width for i in images), max(i.height for i in images)), 255)
    left = 0
    for image in images:
        both.paste(image, (left, 0))
        left += image.width
    out = io.BytesIO()
    both.save(out, "PNG")
    return out.getvalue()


OTHER = payload.encode(
    api.check(api.read_spec(QR_BANKS / "one.yaml")).spec,  # type: ignore[arg-type]
    api.catalog(),
)
THIRD = payload.encode(
    api.check(api.SpecSource("x.yaml", b"batteries:\n  - model: LL-V1\n")).spec,  # type: ignore[arg-type]
    api.catalog(),
)


@pytest.mark.parametrize(
    ("codes", "count"), [((GOOD, OTHER), 2), ((OTHER, GOOD, THIRD), 3)], ids=["two", "three"]
)
def test_codes_of_different_banks_in_one_image_are_refused(
    run_cli: Callable[..., CliResult], tmp_path: Path, codes: tuple[str, ...], count: int
) -> None:
    """Not the leftmost bank, silently: exit 2, how many, nothing written."""
    photo = tmp_path / "desk.png"
    photo.write_bytes(side_by_side(*(code_png(code, scale=4) for code in codes)))
    result = run_cli("extract", str(photo), "-o", str(tmp_path / "back.yaml"))
    assert (result.exit_code, result.out) == (2, "")
    assert result.err == (
        f"Error: {photo}: the image holds the QR codes of {count} different bank specs; "
        "photograph or scan one sheet at a time\n"
    )
    assert not (tmp_path / "back.yaml").exists()


def test_codes_of_one_bank_in_one_image_are_read() -> None:
    back = api.extract(side_by_side(code_png(GOOD, scale=4), code_png(GOOD, scale=4)), "two.png")
    assert plan_of(back.data) == plan_of(EXAMPLE.read_bytes())


def test_large_files_are_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan, "MAX_BYTES", 1_000_000)
    noise = Image.frombytes("L", (1100, 1000), os.urandom(1_100_000))
    out = io.BytesIO()
    noise.save(out, "PNG")
    with pytest.raises(UserError, match=r"big\.png: the image is larger than 1 MB"):
        api.extract(out.getvalue(), "big.png")


def test_code_is_the_same_on_every_build() -> None:
    analysis = api.check(api.read_spec(EXAMPLE)).analysis
    assert analysis is not None
    assert qr.qr_view(analysis) == qr.qr_view(analysis)


def test_a_heic_photo_is_named_as_such(tmp_path: Path) -> None:
    """iPhones save HEIC: say what to do instead of 'not a readable PDF'."""
    from generator import api
    from generator.errors import SheetError

    photo = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
    with pytest.raises(SheetError, match="a HEIC photo: save or share it as JPEG or PNG"):
        api.extract(photo, "IMG_0042.HEIC")
