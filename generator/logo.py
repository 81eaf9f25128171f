"""The company logo, checked before a sheet shows it.

The renderer drops an image it cannot draw without a word, so a logo is decoded here first:
a PNG or JPEG must decode fully within a size cap (Pillow, which WeasyPrint itself uses);
an SVG must be plain drawing. `<use>`, scripts, external references, embedded images and
entity declarations are refused: each can make the renderer fetch a file, run for minutes
(nested `<use>`) or blow up in memory.
"""

from __future__ import annotations

import base64
import io
import re
import warnings
from pathlib import Path
from xml.parsers import expat

from generator.bounded import read_capped
from generator.errors import CompanyError

LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}
MAX_LOGO_BYTES = 2_000_000
MAX_SVG_BYTES = 500_000
MAX_SIDE = 2500  # pixels: 8 inches at 300 dpi, far more than a title block needs
MAX_SVG_ELEMENTS = 5000
MAX_SVG_DEPTH = 64
REFUSED_ELEMENTS = {
    "use": "a <use> element (it can copy parts of the drawing without end)",
    "script": "a script",
    "foreignobject": "a <foreignObject> (HTML inside the drawing)",
    "image": "an embedded image (give the PNG or JPEG itself as the logo)",
    "feimage": "an embedded image",
    "pattern": "a <pattern> (patterns can nest without end)",
    "marker": "a <marker>",
    "a": "a link",
    "iframe": "an <iframe>",
    "animate": "an animation",
    "animatemotion": "an animation",
    "animatetransform": "an animation",
    "set": "an animation",
}
URL = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)


class _Refused(Exception):
    pass


def logo_data_url(path: Path) -> str:
    """The logo as a data: URL for the sheet; CompanyError when it cannot be used."""
    mime = LOGO_TYPES.get(path.suffix.lower())
    if mime is None:
        raise CompanyError(f"{path}: a logo must be PNG, JPEG or SVG")
    limit = MAX_SVG_BYTES if mime == "image/svg+xml" else MAX_LOGO_BYTES
    data = read_capped(path, limit, "logo file")
    if mime == "image/svg+xml":
        problem = svg_problem(data)
        if problem:
            raise CompanyError(f"{path}: the logo cannot be used: {problem}")
    else:
        mime = raster_type(path, data)
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def raster_type(path: Path, data: bytes) -> str:
    """The MIME type of a PNG or JPEG that decodes fully and is at most MAX_SIDE pixels a
    side; CompanyError otherwise."""
    from PIL import Image, ImageFile, UnidentifiedImageError

    # WeasyPrint, once imported, lets Pillow accept truncated images (grey rows at the end);
    # a damaged logo is an error here, so the check is strict whatever was imported before.
    lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
                width, height = image.size
                if max(width, height) > MAX_SIDE:
                    raise CompanyError(
                        f"{path}: the logo is {width} × {height} pixels; at most {MAX_SIDE} "
                        "a side are used (scale it down)"
                    )
                image.load()  # decoded in full: a damaged file fails here, not in the sheet
                return "image/png" if image.format == "PNG" else "image/jpeg"
    except CompanyError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise CompanyError(
            f"{path}: the logo has too many pixels; at most {MAX_SIDE} a side are used"
        ) from None
    except UnidentifiedImageError:
        raise CompanyError(f"{path}: the logo is neither a PNG nor a JPEG image") from None
    except Exception as error:  # Pillow raises many kinds on a broken file (IndexError, …)
        raise CompanyError(
            f"{path}: the logo is not a readable PNG or JPEG image ({error})"
        ) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def svg_problem(data: bytes) -> str | None:
    """Why this SVG cannot be a logo, or None when it is plain drawing."""
    parser = expat.ParserCreate(namespace_separator=" ")
    depth = elements = 0
    in_style = False

    def refuse(reason: str) -> None:
        raise _Refused(reason)

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, elements, in_style
        local = name.rsplit(" ", 1)[-1].lower()
        depth += 1
        elements += 1
        if elements == 1 and local != "svg":
            refuse(f"it is not an SVG image (its root is <{local}>)")
        if elements > MAX_SVG_ELEMENTS or depth > MAX_SVG_DEPTH:
            refuse(f"it has more than {MAX_SVG_ELEMENTS} elements or {MAX_SVG_DEPTH} levels")
        if local in REFUSED_ELEMENTS:
            refuse(f"it contains {REFUSED_ELEMENTS[local]}")
        for attribute, value in attributes.items():
            key = attribute.rsplit(" ", 1)[-1].lower()
            if key.startswith("on"):
                refuse(f"it contains a script (the {key} attribute)")
            if key == "href" and not value.strip().startswith("#"):
                refuse(f"it refers to something outside the drawing ({value[:60]!r})")
            reference = external(value)
            if reference is not None:
                refuse(f"it refers to something outside the drawing ({reference[:60]!r})")
        in_style = local == "style"

    def end(name: str) -> None:
        nonlocal depth, in_style
        depth -= 1
        in_style = False

    def text(content: str) -> None:
        if in_style:
            reference = external(content)
            if reference is not None:
                refuse(f"its style refers to something outside the drawing ({reference[:60]!r})")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = lambda *_: refuse("it declares a DOCTYPE (entities)")
    parser.EntityDeclHandler = lambda *_: refuse("it declares entities")
    parser.ProcessingInstructionHandler = lambda *_: refuse("it has a processing instruction")
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        return str(refused)
    except expat.ExpatError as error:
        return (
            f"it is not valid SVG (XML error: {expat.ErrorString(error.code)}, line {error.lineno})"
        )
    if elements == 0:
        return "it is empty"
    return None


def external(value: str) -> str | None:
    """The first reference in a style or attribute that points outside the drawing."""
    lowered = value.lower()
    if "@import" in lowered:
        return "@import"
    if "javascript:" in lowered:
        return "javascript:"
    for match in URL.finditer(value):
        if not match.group(1).startswith("#"):
            return match.group(1) or "url()"
    return None
