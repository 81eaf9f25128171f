"""The Starlette app: routes, middleware, the render pool's lifetime; and `serve` (uvicorn)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from generator import api
from generator.server import page, routes
from generator.server.body import HttpError
from generator.server.config import ServerSettings
from generator.server.middleware import BearerToken, RequestLog, SecurityHeaders
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
            Middleware(BearerToken, token=settings.token),
        ],
        exception_handlers={HttpError: _answer, Exception: _bug},
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
