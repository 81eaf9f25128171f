"""The Starlette app: routes, middleware, the render pool's lifetime; and `serve` (uvicorn)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from generator import api
from generator.server import page, routes
from generator.server.body import HttpError
from generator.server.config import ServerSettings
from generator.server.middleware import BearerToken, HostAndOrigin, RequestLog, SecurityHeaders
from generator.server.pool import RenderPool

log = logging.getLogger("eg4sheet.serve")


def create_app(settings: ServerSettings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = RenderPool(settings)
        if settings.warm:
            pool.warm()
        app.state.pool = pool
        try:
            yield
        finally:
            pool.close()

    app = Starlette(
        routes=[
            Route("/", page.page),
            Route("/static/{name}", page.static),
            Route("/figures/dip.svg", page.dip_figure),
            Route("/api/models", routes.models),
            Route("/api/validate", routes.validate, methods=["POST"]),
            Route("/api/plan", routes.plan, methods=["POST"]),
            Route("/api/sheet", routes.sheet, methods=["POST"]),
            Route("/api/fix", routes.fix, methods=["POST"]),
            Route("/api/extract", routes.extract, methods=["POST"]),
            Route("/api/spec", routes.spec, methods=["POST"]),
            Route("/api/correction", routes.correction, methods=["POST"]),
        ],
        middleware=[
            Middleware(RequestLog),
            Middleware(SecurityHeaders),
            Middleware(HostAndOrigin, allowed=settings.allowed_hosts),
            Middleware(BearerToken, token=settings.token),
        ],
        exception_handlers={HttpError: _answer, HTTPException: _no_route, Exception: _bug},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.catalog = api.catalog()
    return app


async def _answer(request: Request, error: Exception) -> Response:
    assert isinstance(error, HttpError)
    content: dict[str, object] = {"error": str(error)}
    if error.findings is not None:
        content["findings"] = error.findings
    return JSONResponse(content, status_code=error.status, headers=error.headers)


async def _no_route(request: Request, error: Exception) -> Response:
    """No such route (404) or method (405): JSON under /api/, like every API answer."""
    assert isinstance(error, HTTPException)
    headers = dict(error.headers or {})
    if not request.url.path.startswith("/api/"):
        return PlainTextResponse(error.detail, error.status_code, headers=headers)
    if error.status_code == 405:
        message = (
            f"{request.url.path[:100]} takes {headers.get('Allow', 'POST')}, not {request.method}"
        )
    elif error.status_code == 404:
        message = f"no such API route: {request.url.path[:100]} (see README: HTTP API)"
    else:
        message = error.detail
    return JSONResponse({"error": message}, error.status_code, headers=headers)


async def _bug(request: Request, error: Exception) -> Response:
    log.error("internal error: %s: %s", type(error).__name__, error)
    return JSONResponse({"error": "internal error (a bug in eg4sheet; see the log)"}, 500)


def serve(settings: ServerSettings, host: str, port: int) -> None:
    """Run the server until interrupted: one process answering, `workers` rendering."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,  # RequestLog writes the one line per request
        server_header=False,
        timeout_keep_alive=5,
        limit_concurrency=200,
        log_level="info",
    )
