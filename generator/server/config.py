"""Server settings, and the check that an address is loopback only."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from generator.bank.yamlsrc import MAX_BYTES
from generator.company import Company

MAX_BODY = MAX_BYTES  # a request body: a spec, as large as a spec file may be
QUEUE_PER_WORKER = 2  # sheets waiting per render worker before the server says 503
# A client's time to send a request head, and then again its body (--request-timeout)
REQUEST_SECONDS = 10.0
CHECK_SECONDS = 10.0  # validate, plan, fix, extract: milliseconds normally
SHEET_SECONDS = 60.0  # one sheet: about a second normally, more while the queue drains
# Bytes of request bodies held at once, across all requests; beyond: 503 with Retry-After.
# Two sheets or photos of the largest size extract takes (20 MB), and many small specs.
BODY_BUDGET = 48_000_000
# Requests being answered at once; more: 503 with Retry-After. Bodies and renders have their
# own limits: this one only has to outnumber clients that send their body slowly (each is
# dropped after 10 s) so that others are still answered.
MAX_IN_FLIGHT = 400
DRAIN_SECONDS = 30.0  # after SIGTERM, for the requests in flight (--drain-timeout)


@dataclass(frozen=True)
class ServerSettings:
    token: str | None = None  # every /api/ request must carry it as a bearer token
    workers: int = 2  # render processes: sheets rendered at once
    company: Company | None = None
    queue_per_worker: int = QUEUE_PER_WORKER
    warm: bool = False  # start the render workers at startup, each rendering a sheet once
    sheet_seconds: float = SHEET_SECONDS
    check_seconds: float = CHECK_SECONDS
    drain_seconds: float = DRAIN_SECONDS
    request_seconds: float = REQUEST_SECONDS
    # Host names the server answers to besides the loopback ones (--allow-host), lower case
    allowed_hosts: frozenset[str] = frozenset()
    max_in_flight: int = MAX_IN_FLIGHT
    body_budget: int = BODY_BUDGET
    # The server's own temporary folder (serve makes it; workers put their files in it and
    # remove it if the server is killed); None: the system's, as in tests
    scratch: Path | None = None


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only: localhost or a loopback address."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # another host name: it may resolve to anything
        return False


def host_name(header: str) -> str:
    """The name in a Host or Origin authority, without its port, lower case:
    "LocalHost:8000" -> "localhost", "[::1]:8000" -> "::1"."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    name, _, port = header.rpartition(":")
    return name if name and port.isdigit() else header
