"""Idle sockets and large uploads against a real `eg4sheet serve` (loopback only, bounded).

    .venv/bin/python bench/server_stress.py idle      # 300 idle or dripping sockets
    .venv/bin/python bench/server_stress.py uploads   # 40 concurrent 19 MB POST /api/extract

idle: 100 sockets that never send a byte, 100 that send a header line every 3 s, 100 that
send an authorised head and then a byte of the body every 3 s; meanwhile an authorised request
every second; prints the slowest one's latency and when the 300 were closed.
uploads: 40 clients send a 19 MB body each at once; prints what they were answered and the
resident memory of the whole server tree (server, workers, forkserver, resource tracker) at
its peak while they run and 3 s after the last answer.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.serving import Served, served  # noqa: E402

TOKEN = "bench-token"
SPEC = b"batteries:\n  - model: LL-S\n  - model: LL-V1\n"
UPLOAD = 19_000_000


def authorised(server: Served) -> tuple[int, float]:
    """One POST /api/validate with the token: its status and seconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    headers = {"Content-Type": "application/yaml", "Authorization": f"Bearer {TOKEN}"}
    connection.request("POST", "/api/validate", SPEC, headers)
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer.status, time.perf_counter() - started


def closed(sock: socket.socket) -> bool:
    """Whether the server has closed `sock` (after an answer, if it sent one)."""
    sock.setblocking(False)
    try:
        while chunk := sock.recv(65536):
            del chunk
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True


class SlowClients:
    """Sockets that hold on: a third send nothing, a third a header line at each drip(), a
    third a whole authorised request head, then one byte of its 1000-byte body each drip()."""

    def __init__(self, port: int, count: int) -> None:
        self.held = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
        third = count // 3
        self.heads, self.bodies = self.held[third : 2 * third], self.held[2 * third :]
        for sock in self.heads:
            sock.sendall(b"POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        head = (
            "POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/yaml\r\n"
            "Content-Length: 1000\r\n\r\n"
        )
        for sock in self.bodies:
            sock.sendall(head.encode())

    def drip(self) -> None:
        for sock in self.heads:
            with contextlib.suppress(OSError):
                sock.sendall(b"X-Drip: 1\r\n")
        for sock in self.bodies:
            with contextlib.suppress(OSError):
                sock.sendall(b"#")

    def first_lines(self) -> Counter[bytes]:
        """What each socket was answered, by the answer's first line (b"": closed, none)."""
        answers = Counter[bytes]()
        for sock in self.held:
            sock.settimeout(1.0)
            try:
                answers[sock.recv(65536).split(b"\r\n")[0]] += 1
            except OSError as error:
                answers[type(error).__name__.encode()] += 1
            sock.close()
        return answers


def idle(sockets: int = 300, seconds: float = 15.0) -> dict[str, object]:
    with served("--token", TOKEN, workers=1) as server:
        slow = SlowClients(server.port, sockets)
        started = time.monotonic()
        latencies, statuses, all_closed_at = [], Counter[int](), None
        next_drip = started + 3
        while time.monotonic() - started < seconds:
            status, took = authorised(server)
            statuses[status] += 1
            latencies.append(took)
            if time.monotonic() >= next_drip:
                next_drip += 3
                slow.drip()
            if all_closed_at is None and all(closed(sock) for sock in slow.held):
                all_closed_at = time.monotonic() - started
            time.sleep(1.0)
        rss = server.rss_mb()
        for sock in slow.held:
            sock.close()
    return {
        "sockets": sockets,
        "authorised_requests": dict(statuses),
        "slowest_authorised_s": round(max(latencies), 3),
        "all_sockets_closed_after_s": None if all_closed_at is None else round(all_closed_at, 1),
        "server_tree_rss_mb": round(rss, 1),
    }


def upload(port: int, body: bytes, answers: Counter[str]) -> None:
    """One raw POST /api/extract: the headers, the body in 1 MB pieces, then the answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = (
        "POST /api/extract HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    try:
        sock.sendall(head.encode())
        view = memoryview(body)
        for start in range(0, len(body), 1 << 20):
            sock.sendall(view[start : start + (1 << 20)])
    except OSError:
        pass  # answered before the whole body was sent: read the answer
    try:
        reply = sock.recv(64)
        answers[reply[9:12].decode() if reply.startswith(b"HTTP/1.1 ") else "closed"] += 1
    except OSError as error:
        answers[type(error).__name__] += 1
    finally:
        sock.close()


def uploads(clients: int = 40, size: int = UPLOAD) -> dict[str, object]:
    body = os.urandom(size)
    with served("--token", TOKEN, workers=2) as server:
        time.sleep(3)  # the workers start and render their warm-up sheet
        before = server.rss_mb()
        answers: Counter[str] = Counter()
        threads = [
            threading.Thread(target=upload, args=(server.port, body, answers))
            for _ in range(clients)
        ]
        peak, started = before, time.monotonic()
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads) and time.monotonic() - started < 120:
            peak = max(peak, server.rss_mb())
            time.sleep(0.05)
        took = time.monotonic() - started
        time.sleep(3)
        after = server.rss_mb()
        status, _ = authorised(server)
    return {
        "clients": clients,
        "body_mb": size / 1e6,
        "answers": dict(answers),
        "seconds": round(took, 1),
        "server_tree_rss_mb": {
            "before": round(before, 1),
            "peak": round(peak, 1),
            "3_s_after": round(after, 1),
        },
        "a_request_after": status,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=["idle", "uploads"])
    options = parser.parse_args()
    print(idle() if options.case == "idle" else uploads())


if __name__ == "__main__":
    main()
