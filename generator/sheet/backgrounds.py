"""Boxes with no background skip WeasyPrint's background layout.

After each page is laid out, WeasyPrint 70 walks every box of it for its background: for a box
with none (nearly all of a sheet's 1,300 boxes) it still imports its colour helper, looks its
image list up, builds it and resolves the colour, then records that there is nothing to paint
(`box.background = None`): about 4 % of a sheet's build. `install` puts `layout_box_backgrounds`
in its place: a box whose style has a transparent colour (not currentColor), no background
image, no shadow, no border image and no mask border gets its radii resolved and its children
walked as there, and `background = None`; any other box, and the page, go to WeasyPrint's own
function. The same PDF, byte for byte (tests/test_layout_cost.py).
"""

from __future__ import annotations

import threading
from typing import Any

from generator.sheet import libraries  # noqa: F401  (before WeasyPrint: see there)

# isort: split
from weasyprint.layout import background as weasy_background
from weasyprint.layout.percent import resolve_radii_percentages

OWN_LAYOUT_BOX_BACKGROUNDS = weasy_background.layout_box_backgrounds  # WeasyPrint's own
NO_IMAGE = (("none", None),)
_lock = threading.Lock()


def install() -> None:
    """Lay out backgrounds with `layout_box_backgrounds` from now on (once per process;
    idempotent)."""
    with _lock:
        if weasy_background.layout_box_backgrounds is OWN_LAYOUT_BOX_BACKGROUNDS:
            weasy_background.layout_box_backgrounds = layout_box_backgrounds


def layout_box_backgrounds(
    page: Any,
    box: Any,
    get_image_from_uri: Any,
    layout_children: bool = True,
    style: Any = None,
) -> None:
    """WeasyPrint's `layout_box_backgrounds`, short for a box with nothing to paint."""
    if style is not None or box is page or not _nothing_to_paint(box.style):
        OWN_LAYOUT_BOX_BACKGROUNDS(page, box, get_image_from_uri, layout_children, style)
        return
    resolve_radii_percentages(box)
    if layout_children:
        for child in box.all_children():
            layout_box_backgrounds(page, child, get_image_from_uri)
    box.background = None


def _nothing_to_paint(style: Any) -> bool:
    """Whether WeasyPrint would find neither a background nor a border image to fetch."""
    color = style["background_color"]
    return (
        style["border_image_source"][0] == "none"
        and style["mask_border_source"][0] == "none"
        and tuple(style["background_image"]) == NO_IMAGE
        and not style["box_shadow"]
        and color != "currentcolor"
        and color.alpha == 0
    )
