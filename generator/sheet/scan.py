"""Read the bank spec back from a photo or scan of a printed sheet (PNG or JPEG): find the
QR codes with zxing-cpp, and take the spec their valid eg4sheet payloads carry. The codes
of one sheet (several pages in one photo) all carry the same spec; codes that carry
different specs (two customers' sheets on one desk) are refused, naming how many.

The work is bounded before anything is decoded: the file's size, then, from the image's
header, its pixel count, its shape (a page is not a thin strip: a 1 x 49,999,999 PNG is
refused), and the memory its pixels take once decoded (a 16-bit or colour PNG takes two or
four bytes a pixel). Large phone photos are decoded at a reduced scale (JPEG draft mode),
which still leaves the code several pixels a module. A low-resolution scan where
nothing is found is tried once more at twice the size: zxing reads modules of about two
pixels far better once they are smoothly enlarged (a 100-dpi scan of a small code).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator.bank.payload import PREFIX, Decoded, PayloadError, Scope, decode
from generator.bounded import MAX_SHEET_BYTES
from generator.errors import SheetError

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

MAGIC = {b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
MAX_BYTES = MAX_SHEET_BYTES  # 20 MB: a 48-megapixel phone photo is under that
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo is 8000 x 6000
DECODE_PIXELS = 16_000_000  # larger JPEGs are decoded at 1/2, 1/4 or 1/8 scale
MAX_DECODED_BYTES = 120_000_000  # the pixels in memory: a 30-megapixel colour PNG
MAX_SIDES_RATIO = 10  # a photo or scan of a page, or of two side by side, is far squarer
MIN_SIDE = 32  # pixels: narrower, no QR code fits
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
ENLARGE_PIXELS = 10_000_000  # images up to this size are tried again at twice the size
HINT = (
    "photograph or scan a whole page of the sheet, flat and in focus, with the QR code "
    "in its top right corner clearly visible"
)


@dataclass(frozen=True)
class ScannedSpec:
    name: str  # how the spec is named: the image's name with .yaml
    spec: bytes
    scope: Scope

    @property
    def found(self) -> str:
        if self.scope is Scope.BANK:
            return "read from its QR code, which holds the bank alone: add the job fields"
        return "read from its QR code"


def is_image(data: bytes) -> bool:
    return any(data.startswith(magic) for magic in MAGIC)


def extract_spec(data: bytes, name: str) -> ScannedSpec:
    """The spec carried by a QR code in the photo; SheetError when none can be read."""
    image = _open(data, name)
    texts: list[str] = []
    unreadable = 0
    errors: list[PayloadError] = []
    for attempt in (image, _enlarged(image)):
        if attempt is None:
            break
        found, seen = _codes(attempt)
        texts, unreadable = texts + found, unreadable + seen
        specs: dict[bytes, Decoded] = {}
        for text in found:
            if not text.startswith(PREFIX):
                continue
            try:
                decoded = decode(text)
            except PayloadError as error:
                errors.append(error)
                continue
            specs.setdefault(decoded.spec, decoded)
        if len(specs) > 1:
            raise SheetError(
                f"{name}: the image holds the QR codes of {len(specs)} different bank specs; "
                "photograph or scan one sheet at a time"
            )
        for decoded in specs.values():
            return ScannedSpec(f"{Path(name).stem}.yaml", decoded.spec, decoded.scope)
    if errors:
        raise SheetError(f"{name}: {errors[0]}")
    if texts:
        raise SheetError(f"{name}: the QR code in it is not an eg4sheet code")
    if unreadable:
        raise SheetError(
            f"{name}: a QR code was found but cannot be read (damaged or blurred); {HINT}"
        )
    raise SheetError(f"{name}: no QR code found; {HINT}")


def _codes(image: PilImage) -> tuple[list[str], int]:
    """The texts of the QR codes read in the image, and how many were seen but unreadable."""
    import zxingcpp

    found = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode), return_errors=True
    )
    texts = [code.text for code in found if code.valid]
    return texts, sum(1 for code in found if not code.valid)


def _enlarged(image: PilImage) -> PilImage | None:
    from PIL import Image

    if image.width * image.height > ENLARGE_PIXELS:
        return None
    return image.resize((image.width * 2, image.height * 2), Image.Resampling.BICUBIC)


def _open(data: bytes, name: str) -> PilImage:
    """The image in grey, within the bounds above."""
    from PIL import Image, ImageFile, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        raise SheetError(f"{name}: the image is larger than {MAX_BYTES // 1_000_000} MB")
    # WeasyPrint, once imported (a server or batch worker), lets Pillow fill a truncated image
    # with grey rows; a cut photo is refused here whatever was imported before.
    lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(MAGIC.values()))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{width} x {height}")
            _refuse_shape(name, width, height)
            if image.format == "JPEG" and width * height > DECODE_PIXELS:
                scale = (width * height / DECODE_PIXELS) ** 0.5
                image.draft("L", (int(width / scale), int(height / scale)))
            _refuse_memory(name, image)
            return image.convert("L")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        too_large = f"larger than {MAX_PIXELS // 1_000_000} megapixels"
        raise SheetError(f"{name}: the image is {too_large}") from None
    except UnidentifiedImageError:
        raise SheetError(f"{name}: not a readable PNG or JPEG image") from None
    except (OSError, ValueError) as error:
        raise SheetError(f"{name}: not a readable PNG or JPEG image ({error})") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _refuse_shape(name: str, width: int, height: int) -> None:
    """SheetError for an image no page photo has: a strip, or too narrow for a code."""
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDES_RATIO * min(width, height):
        raise SheetError(
            f"{name}: the image is {width} × {height} pixels, no photo or scan of a page; {HINT}"
        )


def _refuse_memory(name: str, image: PilImage) -> None:
    """SheetError when the pixels, once decoded, would take more than MAX_DECODED_BYTES."""
    width, height = image.size
    size = width * height * BYTES_PER_PIXEL.get(image.mode, 4)  # other modes: 4 bytes a pixel
    if size > MAX_DECODED_BYTES:
        raise SheetError(
            f"{name}: the image would take {size // 1_000_000} MB to decode ({width} × {height} "
            f"pixels, {image.mode}), more than {MAX_DECODED_BYTES // 1_000_000} MB; save it as "
            "JPEG, or scan at 300 dpi in grey"
        )
