"""The Starlette app: routes, middleware, the render pool's lifetime; and `serve` (uvicorn,
draining on SIGTERM)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing.util
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from generator import api
from generator.server import lifecycle, memory, metrics, page, routes
from generator.server.body import BodyBudget, HttpError
from generator.server.config import ServerSettings
from generator.server.lifecycle import Admission, Lifecycle
from generator.server.logs import LOGGER, log_config
from generator.server.metrics import Metrics, RequestMetrics
from generator.server.middleware import (
    PAGE_CSP,
    BearerToken,
    HostAndOrigin,
    InFlightLimit,
    ReleaseBodies,
    RequestLog,
    SecurityHeaders,
)
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

    body_budget = BodyBudget(settings.body_budget)
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
            Middleware(InFlightLimit, limit=settings.max_in_flight),
            Middleware(ReleaseBodies, budget=body_budget),
            Middleware(HostAndOrigin, allowed=settings.allowed_hosts),
            Middleware(BearerToken, token=settings.token),
            Middleware(Admission),
        ],
        exception_handlers={HttpError: _answer, HTTPException: _no_route, Exception: _bug},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.body_budget = body_budget
    app.state.catalog = api.catalog()
    app.state.page = page.render_page()
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
    # Answered outside the middleware (Starlette's outermost layer): its headers said here.
    headers = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff"}
    message = {"error": "internal error (a bug in eg4sheet; see the log)"}
    return JSONResponse(message, 500, headers=headers)


def serve(settings: ServerSettings, host: str, port: int, log_format: str = "text") -> None:
    """Run the server until SIGTERM (or Ctrl-C): one process answering, `workers`
    rendering; then drain and exit 0.

    uvicorn with our h11 protocol (protocol.py: a deadline for every request head, a cap on
    connections waiting for one) on a socket bound here first (listen.py: exit 2 with one
    line when the address cannot be used). uvicorn's limit_concurrency stays off: it counts
    idle connections, so a few hundred of them would make every request a 503;
    InFlightLimit bounds the requests being answered instead."""
    import uvicorn

    from generator.server.drain import DrainingServer
    from generator.server.listen import listen, room_for_connections, url
    from generator.server.protocol import guarded_protocol

    sock = listen(host, port)
    room_for_connections()
    memory.map_big_blocks()
    # Temporary files of this server and its workers (multiprocessing's pymp-*, the
    # renderer's) go into one folder of its own, removed at exit after multiprocessing has
    # removed its own folder in it (priority -100); after a kill -9 the workers remove it
    # (worker.py).
    scratch = Path(tempfile.mkdtemp(prefix="eg4sheet-serve-"))
    tempfile.tempdir = str(scratch)
    multiprocessing.util.Finalize(
        None, shutil.rmtree, args=(scratch,), kwargs={"ignore_errors": True}, exitpriority=-200
    )
    app = create_app(dataclasses.replace(settings, scratch=scratch))
    config = uvicorn.Config(
        app,
        http=guarded_protocol(settings.request_seconds),
        log_config=log_config(log_format),
        access_log=False,  # RequestLog writes the one line per request
        server_header=False,
        timeout_keep_alive=5,
        limit_concurrency=None,
        timeout_graceful_shutdown=5,  # after the drain: connections that are left
    )
    server = DrainingServer(config, app)  # configures logging: it prints from here on
    log.info("listening on %s", url(sock))
    with sock:
        server.run(sockets=[sock])
