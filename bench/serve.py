"""Benchmark of `eg4sheet serve`: a warm server on loopback, a 16-battery bank.

    .venv/bin/python bench/serve.py [--requests 200] [--sheets 12] [--rounds 3]

One client: validate and plan p95 latency, sheet p95 against the CLI's warm per-sheet time
(measured here, now, as bench/run.py measures it). Four concurrent clients: no error, and
sheet throughput against one client's. Also validate latency while those sheets render
(a sheet must not hold up live validation). Bounded request counts, loopback only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BANKS, WARM_OURS, spec_text  # noqa: E402
from tests.serving import running_server  # noqa: E402

YAML = {"Content-Type": "application/yaml"}


class Client:
    """One keep-alive connection, as a quoting system or the page would hold."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=120
        )

    def post(self, path: str, body: bytes) -> tuple[int, float]:
        started = time.perf_counter()
        self.connection.request("POST", path, body, YAML)
        answer = self.connection.getresponse()
        answer.read()
        return answer.status, time.perf_counter() - started


def p95(seconds: list[float]) -> float:
    return statistics.quantiles(seconds, n=20, method="inclusive")[18]


def timings(client: Client, path: str, body: bytes, count: int) -> tuple[list[float], int]:
    """Latencies of `count` requests one after another, and how many were not 200."""
    results = [client.post(path, body) for _ in range(count)]
    return [took for _, took in results], sum(status != 200 for status, _ in results)


def cli_warm_per_sheet(spec: str, sheets: int, cache: str) -> float:
    """The CLI's warm per-sheet time: the build pipeline in one warm process (bench/run.py (c))."""
    with tempfile.TemporaryDirectory() as folder:
        batch = Path(folder) / "batch"
        batch.mkdir()
        for number in range(sheets):
            (batch / f"bank{number:03}.yaml").write_text(spec)
        env = {**os.environ, "EG4SHEET_CACHE": cache, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, "-c", WARM_OURS, str(batch), str(Path(folder) / "out")],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        return float(result.stdout.strip().splitlines()[-1])


class Load:
    """Sheet clients against one server; every status is kept, to count the errors."""

    def __init__(self, base: str, body: bytes) -> None:
        self.base, self.body = base, body
        self.statuses: list[int] = []
        self.sheet_seconds: list[float] = []  # one client's sheets, one after another

    def sheets_per_second(self, clients: int, sheets: int) -> float:
        """`clients` threads with a connection each share `sheets` sheets between them."""

        def client(count: int) -> None:
            mine = Client(self.base)
            for _ in range(count):
                status, took = mine.post("/api/sheet", self.body)
                self.statuses.append(status)
                if clients == 1:
                    self.sheet_seconds.append(took)

        share = max(sheets // clients, 1)
        threads = [threading.Thread(target=client, args=(share,)) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=900)
        return clients * share / (time.perf_counter() - started)

    def validate_while_busy(self, clients: int, sheets: int) -> list[float]:
        """Validate latencies of a person typing (a request every 50 ms) while sheets render."""
        live: list[float] = []
        done = threading.Event()

        def typing() -> None:
            mine = Client(self.base)
            while not done.is_set() and len(live) < 5000:
                status, took = mine.post("/api/validate", self.body)
                self.statuses.append(status)
                live.append(took)
                time.sleep(0.05)

        watcher = threading.Thread(target=typing)
        watcher.start()
        self.sheets_per_second(clients, sheets)
        done.set()
        watcher.join(timeout=60)
        return live


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="validate and plan requests")
    parser.add_argument("--sheets", type=int, default=12, help="sheets per throughput round")
    parser.add_argument("--rounds", type=int, default=3, help="one client / 4 clients, alternated")
    args = parser.parse_args()
    spec = spec_text(BANKS[16])
    body = spec.encode()
    cache = tempfile.mkdtemp(prefix="eg4bench-cache-")
    os.environ["EG4SHEET_CACHE"] = cache
    workers, clients = len(os.sched_getaffinity(0)), 4
    with running_server(workers=workers) as base:
        one = Client(base)
        for path, count in (("/api/validate", 20), ("/api/plan", 20), ("/api/sheet", 2 * workers)):
            timings(one, path, body, count)  # warm: imports, caches, every render worker
        validate, bad = timings(one, "/api/validate", body, args.requests)
        plan, bad_plan = timings(one, "/api/plan", body, args.requests)
        load = Load(base, body)
        # Alternate one client and four, so a change in the machine's load hits both alike.
        ones, manys = [], []
        for _ in range(max(args.rounds, 1)):
            ones.append(load.sheets_per_second(1, args.sheets))
            manys.append(load.sheets_per_second(clients, args.sheets))
        cli = cli_warm_per_sheet(spec, args.sheets, cache)
        live = load.validate_while_busy(clients, args.sheets)
    errors = bad + bad_plan + sum(status != 200 for status in load.statuses)
    one_rate, many_rate = statistics.median(ones), statistics.median(manys)
    sheet = p95(load.sheet_seconds)
    rows = [
        ("validate p95, one client", f"{p95(validate) * 1000:.1f} ms", "≤ 30 ms", ""),
        ("plan p95, one client", f"{p95(plan) * 1000:.1f} ms", "≤ 50 ms", ""),
        (
            "sheet p95, one client",
            f"{sheet:.3f} s",
            "≤ 1.3 × CLI warm per sheet",
            f"{sheet / cli:.2f} × {cli:.3f} s",
        ),
        (
            f"sheets/s, {clients} clients vs one ({workers} workers)",
            f"{many_rate:.2f} vs {one_rate:.2f}",
            "≥ 1.7 ×, no error",
            f"{many_rate / one_rate:.2f} ×, medians of {len(ones)} rounds",
        ),
        (
            f"validate p95 while {clients} clients make sheets",
            f"{p95(live) * 1000:.1f} ms",
            "",
            f"{len(live)} requests",
        ),
        ("requests answered other than 200", str(errors), "0", ""),
    ]
    print(
        f"\neg4sheet serve benchmark: 16 batteries, warm server on loopback, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end\n"
    )
    print("| measure | serve | target | note |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
