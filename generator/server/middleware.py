"""Middleware as plain ASGI classes: one log line per request (with its request id),
security headers on every response, only our own Host names and same-origin POSTs, and the
bearer token on every /api/ request and on /metrics."""

from __future__ import annotations

import hmac
import json
import logging
import time

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from generator.server.body import BodyBudget
from generator.server.config import host_name, is_loopback
from generator.server.logs import LOGGER, request_id

log = logging.getLogger(LOGGER)

# The page loads only its own script, style, font and images; nothing may frame it.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


class RequestLog:
    """`METHOD /path STATUS BYTES MS rid=ID` once per request; no query, no body (spec
    content stays out of the log), control characters escaped. The request id is the
    client's (or the proxy's) X-Request-ID when it is short and printable, else a new one;
    it is returned in X-Request-ID and kept in the scope's state for the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status, size = 500, 0
        rid = request_id(Headers(scope=scope).get("x-request-id"))
        scope.setdefault("state", {})["request_id"] = rid

        async def logged(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logged)
        finally:
            method = scope["method"][:20].encode("unicode_escape").decode("ascii")
            path = scope["path"][:200].encode("unicode_escape").decode("ascii")
            took = (time.perf_counter() - started) * 1000
            fields = {"method": method, "path": path, "status": status, "bytes": size}
            fields |= {"ms": round(took), "request_id": rid}
            log.info(
                "%s %s %d %dB %.0fms rid=%s",
                method,
                path,
                status,
                size,
                took,
                rid,
                extra={"request": fields},
            )


class SecurityHeaders:
    """The page's Content-Security-Policy (unless a route set its own), no sniffing, no
    referrer, no caching of API answers (they carry customers' data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", PAGE_CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if scope["path"].startswith("/api/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


async def answer_json(
    send: Send, status: int, content: dict[str, object], headers: dict[str, str] | None = None
) -> None:
    """A whole JSON answer, sent from middleware (the app's own answers are Starlette's)."""
    body = json.dumps(content).encode()
    listed = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    listed += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": listed})
    await send({"type": "http.response.body", "body": body})


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SAME_SITE = {"same-origin", "none"}  # Sec-Fetch-Site: our own page, or typed by the user


class HostAndOrigin:
    """Answer only to our own names, so that a web page elsewhere cannot drive the desk:
    a Host that is not loopback (or given with --allow-host) is 421 (DNS rebinding: an
    attacker's name that resolves to 127.0.0.1), and a POST a browser sends from another
    origin, even a form's text/plain one, is 403. Clients that are not browsers send no
    Origin and no Sec-Fetch-Site; they need only the Host."""

    def __init__(self, app: ASGIApp, allowed: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.allowed = allowed

    def known(self, authority: str) -> bool:
        name = host_name(authority)
        return is_loopback(name) or name in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host")  # none: HTTP/1.0 from a script, never a browser
        if host is not None and not self.known(host):
            await answer_json(
                send,
                421,
                {
                    "error": f"this server does not answer to the name {host[:100]!r}; "
                    "start it with --allow-host NAME to serve it under that name"
                },
            )
            return
        if scope["method"] not in SAFE_METHODS and not self.same_origin(headers, host):
            await answer_json(send, 403, {"error": "a request from another web site is refused"})
            return
        await self.app(scope, receive, send)

    @staticmethod
    def same_origin(headers: Headers, host: str | None) -> bool:
        site = headers.get("sec-fetch-site")
        if site is not None and site.lower() not in SAME_SITE:
            return False
        origin = headers.get("origin")
        if origin is None:
            return True
        scheme, _, authority = origin.lower().partition("://")
        return (
            scheme in ("http", "https")
            and host is not None
            and authority.rstrip("/") == host.strip().lower()
        )


PROBES = {"/healthz", "/readyz"}  # answered at once, however busy: they do no work


class InFlightLimit:
    """At most `limit` requests answered at once; the next is 503 with Retry-After at once.
    (uvicorn's own limit_concurrency counts idle connections too, and answers plain text
    without our headers.)"""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.busy = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PROBES:
            await self.app(scope, receive, send)
            return
        if self.busy >= self.limit:
            message = f"busy: {self.busy} requests are being answered; try again shortly"
            await answer_json(send, 503, {"error": message}, {"Retry-After": "1"})
            return
        self.busy += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.busy -= 1


class ReleaseBodies:
    """Whatever memory a request's body held (body.BodyBudget) is given back when its
    answer has been sent, or the request has failed."""

    def __init__(self, app: ASGIApp, budget: BodyBudget) -> None:
        self.app = app
        self.budget = budget

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            self.budget.release(scope)


class BearerToken:
    """With a token set, every /api/ request and /metrics need `Authorization: Bearer
    <token>`. The page, its static files, the DIP drawings and the health checks carry no
    customer data and stay open, so a browser can load them (the page then asks for the
    token) and a load balancer can probe."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.expected is None
            or scope["type"] != "http"
            or not (scope["path"].startswith("/api/") or scope["path"] == "/metrics")
        ):
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("authorization", "").encode("latin-1", "replace")
        if hmac.compare_digest(given, self.expected):
            await self.app(scope, receive, send)
            return
        await answer_json(
            send,
            401,
            {"error": "this server needs 'Authorization: Bearer <token>'"},
            {"WWW-Authenticate": 'Bearer realm="eg4sheet"'},
        )
