"""The hostile corpus for `eg4sheet serve`: raw requests a browser elsewhere, a confused
client or an attacker sends to a real server, and command lines that cannot listen.

    .venv/bin/python -m tests.hostile_server            # the slowest cases and the peak RSS
    .venv/bin/python -m tests.hostile_server --json     # every case, for tests/test_hostile.py

Each request goes over its own socket to one server started with a token (so the Host and
Origin checks are seen in front of it), and states the status, a piece of the JSON error (or
of the body) and whether the answer must carry the page's Content-Security-Policy. Memory is
the resident set of the whole server tree (server, workers, forkserver, resource tracker)
after each case; time is each request's alone. Idle sockets, kill -9 and many large uploads
are tests/test_server_process.py (they need seconds of waiting or a fresh server).
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from typing import Any, NamedTuple

from tests.helpers import EXAMPLE
from tests.serving import Served, free_port, serve_env, served

TOKEN = "hostile-token"
SPEC = b"batteries:\n  - model: LL-S\n  - model: LL-V1\n"
SECONDS, MEGABYTES = 10, 500


class Request(NamedTuple):
    name: str
    raw: bytes  # "{host}" is replaced by 127.0.0.1:PORT
    status: int
    message: str  # must be in the answer's body
    csp: bool = True  # the answer carries the page's Content-Security-Policy


class Command(NamedTuple):
    name: str
    args: tuple[str, ...]  # after `eg4sheet serve --workers 1`; "{port}": a free port
    exit_code: int
    message: str  # must be in standard error, which is one line


def http(
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    host: str = "{host}",
    token: bool = True,
) -> bytes:
    """A request as bytes, with Host, the token, Content-Length and Connection: close."""
    given = {"Host": host, "Connection": "close", **(headers or {})}
    if token:
        given["Authorization"] = f"Bearer {TOKEN}"
    if body or method == "POST":
        given.setdefault("Content-Type", "application/yaml")
        given.setdefault("Content-Length", str(len(body)))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in given.items())
    return head.encode("latin-1") + b"\r\n" + body


def chunked(path: str, pieces: list[bytes]) -> bytes:
    """A POST whose body comes in chunks, with no Content-Length."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {{host}}\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Content-Type: application/yaml\r\nTransfer-Encoding: chunked\r\n"
        "Connection: close\r\n\r\n"
    )
    body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    return head.encode() + body + b"0\r\n\r\n"


def post(path: str, body: bytes = SPEC, **headers: str) -> bytes:
    return http("POST", path, body, {k.replace("_", "-"): v for k, v in headers.items()})


SURROGATE = b'{"batteries": [{"model": "LL-S", "serial": "\\ud800"}]}'
SPEC_ROUTES = ["validate", "plan", "sheet", "fix", "spec", "correction"]
NOT_OURS = "this server does not answer to the name"
CROSS = "a request from another web site is refused"

REQUESTS: list[Request] = [
    # another name: DNS rebinding, a LAN address, a look-alike
    Request("host-attacker", http("GET", "/", host="attacker.example"), 421, NOT_OURS),
    Request(
        "host-attacker-sheet-text-plain",
        http(
            "POST",
            "/api/sheet",
            SPEC,
            {"Content-Type": "text/plain"},
            host="attacker.example:8000",
            token=False,
        ),
        421,
        NOT_OURS,
    ),
    Request("host-lan-address", http("GET", "/api/models", host="192.168.1.5:8000"), 421, NOT_OURS),
    Request("host-lookalike", http("GET", "/", host="127.0.0.1.attacker.example"), 421, NOT_OURS),
    Request(
        "host-localhost-suffix", http("GET", "/", host="localhost.attacker.example"), 421, NOT_OURS
    ),
    Request("host-empty", http("GET", "/", host=""), 421, NOT_OURS),
    # another origin: forms and fetches from elsewhere
    Request(
        "origin-cross-site-text-plain",
        post("/api/sheet", Content_Type="text/plain", Origin="http://attacker.example"),
        403,
        CROSS,
    ),
    Request("origin-null", post("/api/validate", Origin="null"), 403, CROSS),
    Request("origin-other-port", post("/api/validate", Origin="http://127.0.0.1:1"), 403, CROSS),
    Request("fetch-cross-site", post("/api/extract", Sec_Fetch_Site="cross-site"), 403, CROSS),
    Request("fetch-same-site", post("/api/fix", Sec_Fetch_Site="same-site"), 403, CROSS),
    Request(
        "origin-same-but-fetch-cross",
        post("/api/plan", Origin="http://{host}", Sec_Fetch_Site="cross-site"),
        403,
        CROSS,
    ),
    # the token
    Request(
        "no-token",
        http("POST", "/api/validate", SPEC, token=False),
        401,
        "this server needs 'Authorization: Bearer <token>'",
    ),
    # ids and text that are not what they look like
    Request(
        "dip-id-superscript",
        http("GET", "/figures/dip.svg?model=LL-S&id=%C2%B2"),
        404,
        "no such model and ID",
    ),
    Request(
        "dip-id-5000-digits",
        http("GET", "/figures/dip.svg?model=LL-S&id=" + "9" * 5000),
        404,
        "no such model and ID",
    ),
    Request(
        "dip-id-arabic-indic",
        http("GET", "/figures/dip.svg?model=LL-S&id=%D9%A3"),
        404,
        "no such model and ID",
    ),
    *[
        Request(
            f"surrogate-{route}",
            post(f"/api/{route}", SURROGATE, Content_Type="application/json"),
            400,
            "the JSON holds \\\\ud800, half of a surrogate pair: not text",
        )
        for route in SPEC_ROUTES
    ],
    Request(
        "surrogate-in-a-key",
        post(
            "/api/validate",
            b'{"job": {"\\udc00": 1}, "batteries": [{"model": "LL-S"}]}',
            Content_Type="application/json",
        ),
        400,
        "half of a surrogate pair",
    ),
    Request(
        "json-number-of-5000-digits",
        post(
            "/api/plan",
            b'{"batteries": [{"model": "LL-S", "id": ' + b"7" * 5000 + b"}]}",
            Content_Type="application/json",
        ),
        400,
        "the body is not valid JSON",
    ),
    Request(
        "name-not-a-file-name",
        post("/api/validate?name=%ED%A0%80.yaml"),
        422,
        "name: a plain file name ending in .yaml",
    ),
    # JSON under /api/, whatever the path or method
    Request("api-nothing", http("GET", "/api/nothing"), 404, "no such API route: /api/nothing"),
    Request("api-validate-get", http("GET", "/api/validate"), 405, "/api/validate takes POST"),
    Request("api-sheet-delete", http("DELETE", "/api/sheet"), 405, "takes POST, not DELETE"),
    Request("api-nul-in-path", http("GET", "/api/%00"), 404, "no such API route"),
    # not HTTP, or HTTP that cannot be trusted: uvicorn's own 400, now JSON with our CSP
    Request(
        "tls-hello",
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)),
        400,
        "not an HTTP request",
    ),
    Request("garbage-line", b"HELLO THERE\r\n\r\n", 400, "not an HTTP request"),
    Request(
        "head-over-16-kb-unfinished",
        b"GET / HTTP/1.1\r\nHost: {host}\r\nX-Big: " + b"a" * 300_000,
        400,
        "not an HTTP request",
    ),
    Request(
        "two-content-lengths",
        b"POST /api/validate HTTP/1.1\r\nHost: {host}\r\nContent-Length: 4\r\n"
        b"Content-Length: 5\r\n\r\nbatte",
        400,
        "not an HTTP request",
    ),
    Request(
        "content-length-not-a-number",
        b"POST /api/validate HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1e3\r\n\r\n",
        400,
        "not an HTTP request",
    ),
    Request(
        "content-length-30-digits",
        post("/api/validate", b"", Content_Length="9" * 30),
        400,
        "not an HTTP request",
    ),
    Request(
        "chunked-body-over-1-mb",
        chunked("/api/validate", [b"#" * 0x10000] * 17),
        413,
        "the body is larger than 1 MB",
    ),
    # sizes: refused before they are read
    Request(
        "extract-declares-60-mb",
        http("POST", "/api/extract", headers={"Content-Length": "60000000"}),
        413,
        "the body is larger than 20 MB",
    ),
    # the work still answered (the checks above are not in its way)
    Request("valid-spec", post("/api/validate", EXAMPLE.read_bytes()), 200, '"code"'),
    Request(
        "same-origin-page",
        post("/api/validate", Origin="http://{host}", Sec_Fetch_Site="same-origin"),
        200,
        "[",
    ),
    Request("http-1.0-without-host", b"GET /api/models HTTP/1.0\r\n\r\n", 401, "Bearer"),
]

COMMANDS: list[Command] = [
    Command(
        "port-in-use",
        ("--port", "{taken}"),
        2,
        "is in use (another server?): choose another with --port",
    ),
    Command(
        "address-not-here",
        ("--host", "192.0.2.1", "--port", "{port}", "--token", "t"),
        2,
        "this machine has no such address to listen on",
    ),
    Command(
        "host-unresolvable",
        ("--host", "no-such-host.invalid", "--port", "{port}", "--token", "t"),
        2,
        "--host no-such-host.invalid: cannot find this host",
    ),
    Command(
        "host-ipv6-half-bracket",
        ("--host", "[::1", "--port", "{port}", "--token", "t"),
        2,
        "--host [::1: cannot find this host",
    ),
    Command(
        "public-without-token",
        ("--host", "0.0.0.0", "--port", "{port}"),
        2,
        "--host 0.0.0.0 is reachable from other machines: give --token",
    ),
]


def exchange(port: int, raw: bytes, seconds: float = SECONDS) -> bytes:
    """Send `raw`, read until the server closes (or the time is up)."""
    host = f"127.0.0.1:{port}".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as sock:
        sock.sendall(raw.replace(b"{host}", host))
        received, deadline = b"", time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            received += chunk
    return received


def run_request(server: Served, case: Request) -> dict[str, Any]:
    started = time.perf_counter()
    answer = exchange(server.port, case.raw)
    seconds = time.perf_counter() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/1.1 ") else None
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:])
    }
    text = body.decode("utf-8", "replace")
    return {
        "name": case.name,
        "status": status,
        "expected": case.status,
        "told": case.message in text,
        "csp": "default-src 'none'" in headers.get("content-security-policy", ""),
        "json": headers.get("content-type", "").startswith("application/json"),
        "seconds": round(seconds, 3),
        "rss_mb": round(server.rss_mb(), 1),
        "answer": answer[:300].decode("latin-1"),
    }


def run_command(case: Command) -> dict[str, Any]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        fill = {"{port}": str(free_port()), "{taken}": str(taken.getsockname()[1])}
        args = [fill.get(arg, arg) for arg in case.args]
        command = [sys.executable, "-m", "generator", "serve", "--workers", "1"]
        started = time.perf_counter()
        env = {k: v for k, v in serve_env().items() if k != "EG4SHEET_TOKEN"}
        result = subprocess.run(
            [*command, *args], capture_output=True, text=True, timeout=60, env=env
        )
    return {
        "name": case.name,
        "exit_code": result.returncode,
        "expected": case.exit_code,
        "told": case.message in result.stderr,
        "lines": result.stderr.count("\n"),
        "traceback": "Traceback" in result.stderr,
        "seconds": round(time.perf_counter() - started, 3),
        "output": result.stderr[-400:],
    }


def run_all() -> dict[str, Any]:
    with served("--token", TOKEN, workers=1, ready=True) as server:
        requests = [run_request(server, case) for case in REQUESTS]
        peak = max([server.rss_mb(), *(case["rss_mb"] for case in requests)])
        status, _, _ = server.get("/healthz")
    return {
        "requests": requests,
        "commands": [run_command(case) for case in COMMANDS],
        "peak_rss_mb": round(peak, 1),
        "alive_after": status == 200,
    }


def wrong(report: dict[str, Any]) -> list[dict[str, Any]]:
    cases = report["requests"] + report["commands"]
    found = [case for case in cases if not case["told"] or case["seconds"] > SECONDS]
    found += [case for case in report["requests"] if case["status"] != case["expected"]]
    found += [case for case in report["requests"] if not case["csp"]]
    found += [
        case
        for case in report["commands"]
        if case["exit_code"] != case["expected"] or case["lines"] != 1 or case["traceback"]
    ]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print every case as JSON")
    report = run_all()
    if parser.parse_args().json:
        print(json.dumps(report))
        return
    cases = sorted(report["requests"] + report["commands"], key=lambda case: -case["seconds"])
    print(f"{len(cases)} cases; slowest:")
    for case in cases[:5]:
        print(f"  {case['seconds']:7.3f} s  {case['name']}")
    print(f"peak RSS of the server tree: {report['peak_rss_mb']} MB")
    bad = wrong(report)
    for case in bad:
        print(f"WRONG {case['name']}: {json.dumps(case)}")
    sys.exit(1 if bad or not report["alive_after"] else 0)


if __name__ == "__main__":
    main()
