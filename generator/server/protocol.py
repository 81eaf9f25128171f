"""uvicorn's HTTP/1.1 protocol (h11) with what it lacks against idle and slow clients.

uvicorn bounds the time between requests on a kept-alive connection (`timeout_keep_alive`,
reset by every byte) but not the time to send a request: a socket that never sends a byte,
or sends a header line every few seconds, holds its place for ever, and with
`limit_concurrency` a few hundred of them make every other request a 503 (uvicorn issue
#157, "--timeout-request-start", still open). Hypercorn's `read_timeout` is also reset by
every read, so a drip passes it. This protocol gives each request head `head_seconds`
(`serve --request-timeout`, 10 s by default) from the moment the server waits for it (the
connection is made, or the previous answer is sent); past that the connection is closed.
At most `MAX_WAITING` connections wait for their head at once: a newer one pushes out the
one that has waited longest, so a client that sends its request at once is always served.
Its own 400 (a request that is not HTTP) is JSON and carries the page's
Content-Security-Policy, like every answer of the app.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from weakref import WeakKeyDictionary

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from generator.server.config import REQUEST_SECONDS
from generator.server.middleware import PAGE_CSP

MAX_WAITING = 256  # connections waiting for a request head at once (idle, or dripping)

# Per server: the connections waiting for a head, oldest first (a dict keeps its order).
_waiting: WeakKeyDictionary[ServerState, dict[GuardedH11Protocol, None]] = WeakKeyDictionary()


def raw_answer(status: int, reason: str, message: str) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection: JSON, with the page's CSP."""
    body = json.dumps({"error": message}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        f"content-security-policy: {PAGE_CSP}\r\n"
        "x-content-type-options: nosniff\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class GuardedH11Protocol(H11Protocol):
    """H11Protocol with a deadline for each request head and a cap on waiting connections."""

    head_seconds: float = REQUEST_SECONDS  # from waiting for a request to having its whole head

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_deadline: asyncio.TimerHandle | None = None
        self.head_started = False  # some bytes of the awaited head have come
        self.answered: Any = None  # the cycle of the last request answered on this connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self.wait_for_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self.stop_waiting()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.head_deadline is not None:
            self.head_started = True
        super().data_received(data)

    def handle_events(self) -> None:
        super().handle_events()
        if self.head_deadline is not None and self.cycle is not self.answered:
            self.stop_waiting()  # a new request's head is here: the app's limits take over

    def on_response_complete(self) -> None:
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing():
            # Answered before the body was read (413, 503, 401...): close rather than read
            # and throw away what may be many megabytes more.
            self.server_state.total_requests += 1
            self.stop_waiting()
            self.transport.close()
            return
        answered = self.cycle
        super().on_response_complete()  # may start a request that was sent meanwhile
        if self.cycle is answered and not self.transport.is_closing():
            self.wait_for_head()  # kept alive: the next head has its own deadline

    def wait_for_head(self) -> None:
        self.stop_waiting()
        waiting = _waiting.setdefault(self.server_state, {})
        while len(waiting) >= MAX_WAITING:
            oldest = next(iter(waiting))
            oldest.head_too_late()
        self.head_started = False
        self.answered = self.cycle  # the request answered last (None: none yet)
        self.head_deadline = self.loop.call_later(self.head_seconds, self.head_too_late)
        waiting[self] = None

    def stop_waiting(self) -> None:
        if self.head_deadline is not None:
            self.head_deadline.cancel()
            self.head_deadline = None
        _waiting.get(self.server_state, {}).pop(self, None)

    def head_too_late(self) -> None:
        """Close the connection; a client that had begun its request is told why (408)."""
        started = self.head_started
        self.stop_waiting()
        if self.transport.is_closing():
            return
        if started:
            message = f"the request did not arrive within {self.head_seconds:g} s"
            self.transport.write(raw_answer(408, "Request Timeout", message))
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        self.stop_waiting()
        self.transport.write(raw_answer(400, "Bad Request", f"not an HTTP request: {msg}"))
        self.transport.close()


def guarded_protocol(head_seconds: float) -> type[GuardedH11Protocol]:
    """The protocol class for uvicorn's Config, with this deadline for each request head."""
    return type("GuardedH11Protocol", (GuardedH11Protocol,), {"head_seconds": head_seconds})
