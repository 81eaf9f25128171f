"""The support desk page, its static files and the DIP drawings it shows.

Files are served from a fixed list read from the package; no request names a file. The page
itself is rendered once, when the server starts, with the facts its form needs (job fields,
papers, limits) read from their homes in the package (desk.form), so app.js writes none.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from generator import api
from generator.bank.catalog import DipState
from generator.server import desk

STATIC = Path(__file__).resolve().with_name("static")
FILES = {
    "app.js": (STATIC / "app.js", "text/javascript; charset=utf-8"),
    "app.css": (STATIC / "app.css", "text/css; charset=utf-8"),
    "font-regular.ttf": (api.font_file("regular"), "font/ttf"),
    "font-bold.ttf": (api.font_file("bold"), "font/ttf"),
}
# A drawing is shown as an image: its own inline styles, and nothing else, may apply.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
DAY = "public, max-age=86400"
_DRAWING = threading.Lock()
PLAIN_ID = re.compile(r"[0-9]{1,3}")


@cache
def _read(path: Path) -> bytes:
    return path.read_bytes()


def render_page() -> bytes:
    """The page, its form made from the spec's own definitions (autoescaped: no data is
    markup)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(STATIC),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment.get_template("page.html").render(form=desk.form()).encode()


async def page(request: Request) -> Response:
    return HTMLResponse(request.app.state.page, headers={"Cache-Control": "no-cache"})


async def static(request: Request) -> Response:
    listed = FILES.get(request.path_params["name"])
    if listed is None:
        return Response("not found", status_code=404, media_type="text/plain")
    path, media_type = listed
    return Response(_read(path), media_type=media_type, headers={"Cache-Control": "no-cache"})


def _drawn(draw: Callable[[DipState, str], str], states: DipState, on_side: str) -> str:
    """One drawing at a time: matplotlib is not made for threads (most come from the cache)."""
    with _DRAWING:
        return draw(states, on_side)


async def dip_figure(request: Request) -> Response:
    """GET /figures/dip.svg?model=LL-S&id=3: the switch block the sheet draws for that ID."""
    model = request.app.state.catalog.find(request.query_params.get("model", "")[:100])
    given = request.query_params.get("id", "")
    if (
        model is None
        or not PLAIN_ID.fullmatch(given)  # not "²" (a digit to isdigit()), not 5000 digits
        or not model.dip.id_low <= int(given) <= model.dip.id_high
    ):
        return Response("no such model and ID", status_code=404, media_type="text/plain")
    states = model.dip.states(int(given))
    loop = asyncio.get_running_loop()
    svg = await loop.run_in_executor(None, _drawn, api.dip_drawing, states, model.dip.on_side)
    # An image cannot load the page's font: the drawing names a sans-serif one to fall back on.
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": SVG_CSP, "Cache-Control": DAY},
    )
