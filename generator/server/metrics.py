"""GET /metrics: what the people on call watch, in the Prometheus text format, made by the
Prometheus client library. One registry per app (not the library's global one), so every
app, in tests too, counts only its own requests.

Labels are bounded: a route is the app's route pattern ('/static/{name}', or 'other' for
a path no route matches), a method one of the HTTP methods (else 'other'), a status the
number. Nothing of a request's content is ever a label.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
disable_created_metrics()  # type: ignore[no-untyped-call]  # no *_created series: one sample per counter, easier to read
# Validate and plan take milliseconds, a sheet about a second, a photo to decode several.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60)


class Metrics:
    """The instruments of one server; the render pool and the lifecycle are read when
    scraped, so the figures are those of that moment."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "eg4sheet_requests",
            "HTTP requests answered, by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "eg4sheet_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route",
            ["route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.sheets_rendered = Counter(
            "eg4sheet_sheets_rendered", "Sheets rendered (PDFs sent)", registry=self.registry
        )
        self.sheets_failed = Counter(
            "eg4sheet_sheets_failed",
            "Sheets a render worker did not deliver, by reason "
            "(timeout, worker_died, cut_off at the end of a drain, refused by the worker)",
            ["reason"],
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "eg4sheet_requests_in_progress",
            "HTTP requests received and not yet answered",
            registry=self.registry,
        )
        self.bytes_in_flight = Gauge(
            "eg4sheet_request_bytes_in_flight",
            "Request body bytes received by requests not yet answered",
            registry=self.registry,
        )
        self.queue = Gauge(
            "eg4sheet_render_queue_length",
            "Sheets and photos waiting for a render worker",
            registry=self.registry,
        )
        self.busy_workers = Gauge(
            "eg4sheet_render_workers_busy",
            "Render workers rendering a sheet or reading a photo now",
            registry=self.registry,
        )
        self.workers = Gauge(
            "eg4sheet_render_workers", "Render workers (--workers)", registry=self.registry
        )
        self.ready = Gauge(
            "eg4sheet_ready", "1 when /readyz says ready, else 0", registry=self.registry
        )
        self.draining = Gauge(
            "eg4sheet_draining", "1 from SIGTERM until the process ends", registry=self.registry
        )

    def watch(
        self,
        busy: Callable[[], int],
        workers: int,
        ready: Callable[[], bool],
        draining: Callable[[], bool],
    ) -> None:
        """Read the pool's and the lifecycle's state when scraped."""
        self.queue.set_function(lambda: max(0, busy() - workers))
        self.busy_workers.set_function(lambda: min(busy(), workers))
        self.workers.set(workers)
        self.ready.set_function(lambda: float(ready()))
        self.draining.set_function(lambda: float(draining()))

    def text(self) -> bytes:
        return generate_latest(self.registry)


async def metrics(request: Request) -> Response:
    """The Prometheus text format (behind the token when one is set)."""
    return Response(request.app.state.metrics.text(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def route_of(scope: Scope) -> str:
    """The route pattern a request goes to, or 'other': a bounded label."""
    for route in getattr(scope.get("app"), "routes", ()):
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            return str(route.path)
    return "other"


class RequestMetrics:
    """Counts every request by route, method and status, times it, and keeps the count and
    the body bytes of the requests in progress."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        instruments: Metrics = scope["app"].state.metrics
        started = time.perf_counter()
        status, held = 500, 0

        async def counted_receive() -> Message:
            nonlocal held
            message = await receive()
            if message["type"] == "http.request":
                size = len(message.get("body", b""))
                held += size
                instruments.bytes_in_flight.inc(size)
            return message

        async def counted_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        instruments.in_progress.inc()
        try:
            await self.app(scope, counted_receive, counted_send)
        finally:
            instruments.in_progress.dec()
            instruments.bytes_in_flight.dec(held)
            route = route_of(scope)
            method = scope["method"] if scope["method"] in METHODS else "other"
            instruments.requests.labels(route, method, str(status)).inc()
            instruments.latency.labels(route).observe(time.perf_counter() - started)
