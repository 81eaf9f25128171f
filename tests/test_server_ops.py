"""Operating `eg4sheet serve` (issue 22): health and readiness, metrics, request ids and the
one log line per request on the real standard error, the drain on SIGTERM. Every test talks
to a real `eg4sheet serve` process over loopback."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.run import BANKS, spec_text
from tests.helpers import EXAMPLE, WRONG_BANKS, CliResult
from tests.serving import (
    Served,
    descendants,
    exited,
    free_port,
    render_processes,
    served,
    wait_gone,
)

pytestmark = pytest.mark.slow  # each test starts a server with its render workers

TOKEN = "ops-s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ONE_BATTERY = b"batteries:\n  - model: LL-S\n"
# Sheets that take seconds: long enough in flight to send a signal and three requests.
BIG_BANK = spec_text([("LL-S", 16), ("LL-V2 (6 DIP)", 16)]).encode()
HUGE_BANK = spec_text(BANKS[64]).encode()  # cut off after half a second
DRAINING = b'{"status":"alive","phase":"draining"}'  # /healthz after SIGTERM
LINE = re.compile(
    r"^\S+ \S+ INFO (?P<method>[A-Z]+) (?P<path>\S+) (?P<status>\d{3}) \d+B \d+ms rid=(?P<rid>\S+)$"
)


@pytest.fixture(scope="module")
def desk() -> Iterator[tuple[Served, tuple[int, bytes]]]:
    """A server with a token, and the first /readyz answer after /healthz said alive."""
    with served("--token", TOKEN) as server:
        deadline = time.monotonic() + 60
        while server.get("/healthz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        first_status, first_body, _ = server.get("/readyz")
        while server.get("/readyz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        yield server, (first_status, first_body)


def samples(server: Served) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The server's metrics now: (name, sorted labels) -> value."""
    status, body, headers = server.get("/metrics", AUTH)
    assert status == 200 and headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def requests_total(route: str, method: str, status: int) -> tuple[str, tuple[tuple[str, str], ...]]:
    labels = {"route": route, "method": method, "status": str(status)}
    return ("eg4sheet_requests_total", tuple(sorted(labels.items())))


def log_lines(server: Served, count: int) -> list[str]:
    """The request lines on the server's standard error, once there are `count` (bounded)."""
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in server.log().splitlines() if LINE.match(line)]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


# ---- /healthz, /readyz -----------------------------------------------------------------


def test_readyz_is_503_while_the_render_pool_starts_then_200(
    desk: tuple[Served, tuple[int, bytes]],
) -> None:
    server, (first_status, first_body) = desk
    assert (first_status, json.loads(first_body)) == (503, {"status": "starting"})
    status, body, headers = server.get("/readyz")
    assert (status, json.loads(body)) == (200, {"status": "ready"})
    assert headers["content-type"] == "application/json"


def test_no_warm_up_is_ready_at_once_and_the_first_sheet_starts_a_worker() -> None:
    """--no-warm-up: no render process until a sheet is asked for, ready from the start."""
    with served("--no-warm-up") as server:
        assert server.get("/readyz")[:2] == (200, b'{"status":"ready"}')
        assert render_processes(server) == []
        status, pdf, _ = server.post("/api/sheet", ONE_BATTERY)
        assert status == 200 and pdf.startswith(b"%PDF")
        assert render_processes(server)  # the forkserver and the worker it forked


def test_health_checks_are_open_without_the_token_and_say_nothing_else(
    desk: tuple[Served, tuple[int, bytes]],
) -> None:
    server, _ = desk
    assert server.get("/healthz")[:2] == (200, b'{"status":"alive","phase":"ready"}')
    assert server.get("/readyz")[:2] == (200, b'{"status":"ready"}')
    assert server.get("/api/models")[0] == 401  # the token is still needed for the API
    assert server.post("/healthz", b"")[0] == 405


# ---- /metrics --------------------------------------------------------------------------


def test_metrics_count_requests_sheets_and_the_render_pool(
    desk: tuple[Served, tuple[int, bytes]],
) -> None:
    server, _ = desk
    assert server.get("/metrics")[0] == 401  # behind the token, like the API
    before = samples(server)
    assert server.post("/api/validate", EXAMPLE.read_bytes(), AUTH)[0] == 200
    assert server.post("/api/validate", EXAMPLE.read_bytes(), AUTH)[0] == 200
    status, pdf, _ = server.post("/api/sheet", ONE_BATTERY, AUTH)
    assert status == 200 and pdf.startswith(b"%PDF")
    wrong = (WRONG_BANKS / "manufacturer_scrambled.yaml").read_bytes()
    assert server.post("/api/sheet", wrong, AUTH)[0] == 422
    assert server.get("/no/such/page")[0] == 404
    after = samples(server)

    def grew(key: tuple[str, tuple[tuple[str, str], ...]]) -> float:
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew(requests_total("/api/validate", "POST", 200)) == 2
    assert grew(requests_total("/api/sheet", "POST", 200)) == 1
    assert grew(requests_total("/api/sheet", "POST", 422)) == 1
    assert grew(requests_total("other", "GET", 404)) == 1
    assert grew(("eg4sheet_request_duration_seconds_count", (("route", "/api/sheet"),))) == 2
    assert grew(("eg4sheet_sheets_rendered_total", ())) == 1
    # Nothing in flight but the scrape itself; one worker, idle.
    assert after[("eg4sheet_requests_in_progress", ())] == 1
    assert after[("eg4sheet_request_bytes_in_flight", ())] == 0
    assert after[("eg4sheet_render_queue_length", ())] == 0
    assert after[("eg4sheet_render_workers_busy", ())] == 0
    assert after[("eg4sheet_render_workers", ())] == 1
    assert (after[("eg4sheet_ready", ())], after[("eg4sheet_draining", ())]) == (1, 0)
    # A label never carries what a client sent: the path of a 404 is "other".
    assert not any("no/such" in str(labels) for _, labels in after)


# ---- request ids and the log line --------------------------------------------------------


def test_one_log_line_per_request_with_its_id_on_the_real_stderr(
    desk: tuple[Served, tuple[int, bytes]],
) -> None:
    server, _ = desk
    given = "support-7f3a.42"
    status, _, headers = server.post(
        "/api/validate", b"job: {title: Secret Customer}\n", {**AUTH, "X-Request-ID": given}
    )
    assert status == 200 and headers["x-request-id"] == given
    made = []
    for bad in ["has space", "x" * 65, 'quote"d', ""]:
        headers = server.get("/healthz", {"X-Request-ID": bad})[2]
        assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"]), bad
        made.append(headers["x-request-id"])
    status, _, headers = server.post(
        "/api/plan", b"[", {**AUTH, "Content-Type": "application/json"}
    )
    assert status == 400
    deadline = time.monotonic() + 10
    while True:  # the lines from this test's first request on (a line follows its answer)
        fields = [LINE.match(line).groupdict() for line in log_lines(server, 0)]  # type: ignore[union-attr]
        ours = [n for n, field in enumerate(fields) if field["rid"] == given]
        fields = fields[ours[0] :] if ours else []
        if len(fields) >= 6 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert fields == [
        {"method": "POST", "path": "/api/validate", "status": "200", "rid": given},
        *({"method": "GET", "path": "/healthz", "status": "200", "rid": rid} for rid in made),
        {"method": "POST", "path": "/api/plan", "status": "400", "rid": headers["x-request-id"]},
    ]
    assert "Secret" not in server.log()
    assert "/api/validate" not in server.output()  # the log is on standard error


def test_log_format_json_is_one_object_per_line() -> None:
    with served("--log-format", "json", "--no-warm-up") as server:  # renders nothing
        status, body, _ = server.post(
            "/api/validate", EXAMPLE.read_bytes(), {"X-Request-ID": "r-1"}
        )
        assert status == 200
        deadline = time.monotonic() + 10
        while '"r-1"' not in server.log() and time.monotonic() < deadline:
            time.sleep(0.05)
    entries = [json.loads(line) for line in server.log().splitlines() if line.strip()]
    # uvicorn's own lines too (the server binds its socket itself: uvicorn does not say where)
    assert any(entry["message"] == "Application startup complete." for entry in entries)
    assert any(entry["message"].startswith("listening on http://127.0.0.1:") for entry in entries)
    (request,) = [entry for entry in entries if entry.get("request_id") == "r-1"]
    assert request["method"] == "POST" and request["path"] == "/api/validate"
    assert (request["status"], request["level"], request["logger"]) == (
        200,
        "info",
        "eg4sheet.serve",
    )
    assert isinstance(request["ms"], int) and request["bytes"] == len(body) > 0
    assert request["time"].endswith("+00:00")


# ---- SIGTERM: the drain ----------------------------------------------------------------


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class InFlight:
    """A sheet request on its own thread; its answer kept."""

    def __init__(self, server: Served, body: bytes) -> None:
        self.answer: tuple[int, bytes, dict[str, str]] | None = None

        def send() -> None:
            self.answer = server.post("/api/sheet", body)

        self.thread = threading.Thread(target=send)
        self.thread.start()

    def wait(self) -> tuple[int, bytes, dict[str, str]]:
        self.thread.join(timeout=90)
        assert self.answer is not None
        return self.answer


def wait_until_rendering(server: Served) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if samples_open(server).get("eg4sheet_render_workers_busy") == 1:
            return
        time.sleep(0.05)
    raise AssertionError("the sheet never reached a render worker")


def samples_open(server: Served) -> dict[str, float]:
    body = server.get("/metrics")[1].decode()
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if not sample.labels
    }


def test_sigterm_lets_the_sheet_in_flight_finish_and_exits_0() -> None:
    with served(ready=True) as server:
        workers = descendants(server.process.pid)
        assert workers  # the forkserver and the render worker
        sheet = InFlight(server, BIG_BANK)
        wait_until_rendering(server)
        server.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10  # the signal is handled between two ticks of the loop
        while server.get("/healthz")[1] != DRAINING and time.monotonic() < deadline:
            time.sleep(0.01)
        # Draining: not ready, new work refused with Retry-After, the process still alive.
        status, body, headers = server.get("/readyz")
        assert (status, json.loads(body), headers["retry-after"]) == (
            503,
            {"status": "draining"},
            "1",
        )
        status, body, headers = server.post("/api/sheet", ONE_BATTERY)
        assert status == 503 and headers["retry-after"] == "1"
        assert headers["connection"] == "close"
        assert json.loads(body)["error"].startswith("this server is shutting down")
        assert server.get("/healthz")[:2] == (200, DRAINING)
        # The sheet in flight is answered in full; then the process ends, and its workers.
        status, pdf, _ = sheet.wait()
        assert status == 200 and pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
        assert exited(server.process, 30) == 0
    log = server.log()
    assert "SIGTERM: draining: no new work; 1 request(s) in flight, up to 30 s" in log
    assert "drained in " in log
    assert "POST /api/sheet 200 " in log and "POST /api/sheet 503 " in log
    wait_gone(workers, 10)
    assert not [pid for pid in workers if running(pid)]


def test_ctrl_c_to_the_process_group_drains_too() -> None:
    """Ctrl-C in a terminal reaches the server and its render workers alike: the workers
    ignore it and finish the sheet, the server drains."""
    with served(ready=True) as server:
        sheet = InFlight(server, spec_text(BANKS[16]).encode())
        wait_until_rendering(server)
        os.killpg(server.process.pid, signal.SIGINT)
        status, pdf, _ = sheet.wait()
        assert status == 200 and pdf.rstrip().endswith(b"%%EOF")
        assert exited(server.process, 30) == 0
    assert "SIGINT: draining: no new work; 1 request(s) in flight" in server.log()


def test_a_drain_that_runs_out_of_time_answers_503_and_exits_0() -> None:
    with served("--drain-timeout", "0.5", ready=True) as server:
        workers = descendants(server.process.pid)
        sheet = InFlight(server, HUGE_BANK)
        wait_until_rendering(server)
        os.kill(server.process.pid, signal.SIGTERM)
        status, body, headers = sheet.wait()
        assert status == 503 and headers["retry-after"] == "1"
        assert json.loads(body)["error"].startswith("the server is shutting down and could not")
        assert exited(server.process, 30) == 0
    assert "drain timeout (0.5 s): 1 request(s) still in flight are answered 503" in server.log()
    wait_gone(workers, 10)
    assert not [pid for pid in workers if running(pid)]


def test_serve_refuses_a_negative_drain_timeout(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("serve", "--port", str(free_port()), "--drain-timeout", "-1")
    assert result.exit_code == 2 and "--drain-timeout" in result.err
