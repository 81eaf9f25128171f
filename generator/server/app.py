"""The Starlette app: routes, middleware, the render pool's lifetime; and `serve` (uvicorn,
draining on SIGTERM)."""

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
from generator.server import lifecycle, metrics, page, routes
from generator.server.body import HttpError
from generator.server.config import ServerSettings
from generator.server.lifecycle import Admission, Lifecycle
from generator.server.logs import LOGGER, log_config
from generator.server.metrics import Metrics, RequestMetrics
from generator.server.middleware import BearerToken, HostAndOrigin, RequestLog, SecurityHeaders
from generator.server.pool import RenderPool

log = logging.getLogger(LOGGER)


def create_app(settings: ServerSettings) -> Starlette:
    state = Lifecycle()
    instruments = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = RenderPool(settings, instruments)
        if settings.warm:
            pool.warm()
        app.state.pool = pool
        instruments.watch(
            busy=lambda: pool.busy,
            workers=settings.workers,
            ready=lambda: state.phase(pool.started()) is lifecycle.Phase.READY,
            draining=lambda: state.draining,
        )
        try:
            yield
        finally:
            pool.close()

    app = Starlette(
        routes=[
            Route("/healthz", lifecycle.healthz),
            Route("/readyz", lifecycle.readyz),
            Route("/metrics", metrics.metrics),
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
            Route("/api/findings", routes.findings, methods=["POST"]),
        ],
        middleware=[
            Middleware(RequestLog),
            Middleware(RequestMetrics),
            Middleware(SecurityHeaders),
            Middleware(HostAndOrigin, allowed=settings.allowed_hosts),
            Middleware(BearerToken, token=settings.token),
            Middleware(Admission),
        ],
        exception_handlers={HttpError: _answer, HTTPException: _no_route, Exception: _bug},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.catalog = api.catalog()
    app.state.lifecycle = state
    app.state.metrics = instruments
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


def serve(settings: ServerSettings, host: str, port: int, log_format: str = "text") -> None:
    """Run the server until SIGTERM (or Ctrl-C): one process answering, `workers`
    rendering; then drain and exit 0."""
    import uvicorn

    from generator.server.drain import DrainingServer

    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=log_config(log_format),
        access_log=False,  # RequestLog writes the one line per request
        server_header=False,
        timeout_keep_alive=5,
        limit_concurrency=200,
        timeout_graceful_shutdown=5,  # after the drain: connections that are left
    )
    DrainingServer(config, app).run()
