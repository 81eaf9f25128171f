"""Read the bank spec back from a photo or scan of a printed sheet (PNG or JPEG): find the
QR codes with zxing-cpp, and take the first that carries a valid eg4sheet payload.

The work is bounded before anything is decoded: the file's size, then the image's
dimensions from its header. Large phone photos are decoded at a reduced scale (JPEG draft
mode), which still leaves the code several pixels a module. A low-resolution scan where
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
        for text in found:
            if not text.startswith(PREFIX):
                continue
            try:
                decoded: Decoded = decode(text)
            except PayloadError as error:
                errors.append(error)
                continue
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
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        raise SheetError(f"{name}: the image is larger than {MAX_BYTES // 1_000_000} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(MAGIC.values()))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{width} x {height}")
            if image.format == "JPEG" and width * height > DECODE_PIXELS:
                scale = (width * height / DECODE_PIXELS) ** 0.5
                image.draft("L", (int(width / scale), int(height / scale)))
            return image.convert("L")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        too_large = f"larger than {MAX_PIXELS // 1_000_000} megapixels"
        raise SheetError(f"{name}: the image is {too_large}") from None
    except UnidentifiedImageError:
        raise SheetError(f"{name}: not a readable PNG or JPEG image") from None
    except (OSError, ValueError) as error:
        raise SheetError(f"{name}: not a readable PNG or JPEG image ({error})") from None
