"""The server's life for the people who run it: starting (the render pool warming up), ready,
draining (after SIGTERM: no new work, the work in flight finishes); GET /healthz and
GET /readyz for load balancers; the admission of API work that a drain waits for."""

from __future__ import annotations

import json
import time
from enum import Enum

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

DRAINING_MESSAGE = "this server is shutting down; try again (another instance will answer)"


class Phase(Enum):
    STARTING = "starting"
    READY = "ready"
    DRAINING = "draining"


class Lifecycle:
    """Whether the server drains, and the API requests admitted and not yet answered.
    Touched only on the event loop (and the drain started from a signal handler)."""

    def __init__(self) -> None:
        self.draining = False
        self.in_flight = 0  # /api/ requests admitted and not yet answered
        self.drain_started: float | None = None

    def drain(self) -> None:
        """From now on no new API work is admitted; readiness says 503."""
        if not self.draining:
            self.drain_started = time.monotonic()
            self.draining = True

    def phase(self, pool_started: bool) -> Phase:
        if self.draining:
            return Phase.DRAINING
        return Phase.READY if pool_started else Phase.STARTING


def phase_of(request: Request) -> Phase:
    lifecycle: Lifecycle = request.app.state.lifecycle
    pool = getattr(request.app.state, "pool", None)
    return lifecycle.phase(pool is not None and pool.started())


async def healthz(request: Request) -> Response:
    """200 while the process answers at all (no work done, no customer data)."""
    return JSONResponse({"status": "alive", "phase": phase_of(request).value})


async def readyz(request: Request) -> Response:
    """200 when the server takes work (its render pool is up); 503 while it starts or drains."""
    phase = phase_of(request)
    if phase is Phase.READY:
        return JSONResponse({"status": "ready"})
    return JSONResponse({"status": phase.value}, status_code=503, headers={"Retry-After": "1"})


class Admission:
    """Counts the /api/ requests in flight (a drain waits for them) and, while draining,
    answers new ones 503 with Retry-After and `Connection: close`, so a client or a
    balancer goes to another instance."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        lifecycle: Lifecycle = scope["app"].state.lifecycle
        if lifecycle.draining:
            body = json.dumps({"error": DRAINING_MESSAGE}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"retry-after", b"1"),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        lifecycle.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            lifecycle.in_flight -= 1
