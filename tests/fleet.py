"""Several `eg4sheet serve` instances behind Debian's nginx, on loopback, and a bounded load
through it (the scale test and bench/scale.py).

nginx runs as the current user with its own prefix, temp folders and logs in a temporary
folder, with the site file shipped in docs/deploy/nginx.conf (its ports rewritten), so the
test checks the configuration people deploy.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pwd
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import ROOT
from tests.serving import exited, free_port, serve_command, serve_env, wait_until_up

NGINX = Path("/usr/sbin/nginx")
SITE = ROOT / "docs" / "deploy" / "nginx.conf"
PUBLIC_NAME = "desk.example.com"  # the site's server_name; instances --allow-host it
TOKEN = "fleet-s3cret"
START_SECONDS = 90.0
LINE = re.compile(r" INFO ([A-Z]+) (\S+) (\d{3}) \d+B \d+ms rid=(\S+)$")


def nginx_missing() -> str | None:
    """Why the nginx tests cannot run here, or None."""
    if not NGINX.exists():
        return (
            f"nginx tests skipped: {NGINX} missing "
            "(./dev test installs Debian's nginx when run as root)"
        )
    return None


def site_config(ports: list[int], listen: int) -> str:
    """docs/deploy/nginx.conf with its upstreams on `ports` and listening on loopback."""
    text = SITE.read_text()
    shipped = re.findall(r"^\s*server 127\.0\.0\.1:(\d+) ", text, flags=re.MULTILINE)
    assert len(shipped) >= len(ports), "the shipped site has fewer upstreams than asked for"
    lines, upstream = [], 0
    for line in text.splitlines():
        if re.match(r"^\s*server 127\.0\.0\.1:\d+ ", line):
            if upstream < len(ports):
                lines.append(re.sub(r"127\.0\.0\.1:\d+", f"127.0.0.1:{ports[upstream]}", line))
            upstream += 1
            continue
        lines.append(line)
    text = "\n".join(lines) + "\n"
    text, listens = re.subn(r"^(\s*)listen 80;", rf"\1listen 127.0.0.1:{listen};", text, flags=re.M)
    assert listens == 1, "the shipped site must listen on port 80 once"
    return text


def main_config(folder: Path) -> str:
    """nginx.conf for a private nginx: its own pid, logs and temp folders; the site included."""
    user = pwd.getpwuid(os.geteuid()).pw_name
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/{kind}_temp;"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
# As root, nginx's workers would run as nobody: they run as the current user instead.
{f"user {user};" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;
events {{
    worker_connections 256;
}}
http {{
    log_format fleet '$request_method $uri $status upstream=$upstream_addr '
                     'statuses=$upstream_status rid=$eg4sheet_request_id';
    access_log {folder}/access.log fleet;
{temp}
    include {folder}/site.conf;
}}
"""


@dataclass
class Instance:
    """One `eg4sheet serve` on a loopback port, in its own session (so that what is left of
    a killed one can be cleaned up), its standard error in a file."""

    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self, workers: int) -> None:
        self.starts += 1
        with self.log.open("ab") as err:
            err.write(f"--- start {self.starts}\n".encode())
            err.flush()
            self.process = subprocess.Popen(
                serve_command(self.port, workers, "--allow-host", PUBLIC_NAME),
                cwd=self.log.parent,
                env={**serve_env(), "EG4SHEET_TOKEN": TOKEN},
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )

    def wait_ready(self) -> None:
        assert self.process is not None
        url = f"http://127.0.0.1:{self.port}/readyz"
        wait_until_up(url, self.process, self.log, seconds=START_SECONDS)

    def rendering(self) -> bool:
        """Whether a render worker of this instance is busy now (its own /metrics)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            text = connection.getresponse().read().decode()
        except OSError:
            return False
        finally:
            connection.close()
        found = re.search(r"^eg4sheet_render_workers_busy (\S+)$", text, flags=re.M)
        return found is not None and float(found.group(1)) >= 1

    def kill(self) -> None:
        """SIGKILL to the server process alone, as the kernel's OOM killer would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        exited(self.process, 10)

    def stop(self) -> None:
        """SIGTERM (it drains), then whatever is left of its session is killed."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                exited(self.process, 40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                exited(self.process, 5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)

    def requests(self) -> list[tuple[int, str]]:
        """(start number, request line) for every API request this instance logged (not the
        harness's own /readyz and /metrics)."""
        found, start = [], 0
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("--- start "):
                start = int(line.split()[-1])
            elif (match := LINE.search(line)) and match.group(2).startswith("/api/"):
                found.append((start, line))
        return found


@dataclass
class Fleet:
    base_port: int
    instances: list[Instance]
    folder: Path
    nginx: subprocess.Popen[bytes]

    def error_log(self) -> str:
        return (self.folder / "error.log").read_text(errors="replace")

    def access_log(self) -> str:
        path = self.folder / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def fleet(size: int, workers: int = 1) -> Iterator[Fleet]:
    """`size` instances (each `workers` render workers) and nginx in front, on loopback."""
    with tempfile.TemporaryDirectory(prefix="eg4-fleet-") as name:
        folder = Path(name)
        instances = [Instance(free_port(), folder / f"instance-{n + 1}.log") for n in range(size)]
        nginx: subprocess.Popen[bytes] | None = None
        try:
            for instance in instances:
                instance.start(workers)
            for instance in instances:
                instance.wait_ready()
            listen = free_port()
            (folder / "site.conf").write_text(site_config([i.port for i in instances], listen))
            (folder / "nginx.conf").write_text(main_config(folder))
            command = [str(NGINX), "-p", str(folder), "-c", str(folder / "nginx.conf")]
            with (folder / "nginx.err").open("wb") as err:
                nginx = subprocess.Popen(
                    [*command, "-e", str(folder / "error.log")],
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    start_new_session=True,
                )
            _wait_for_nginx(listen, nginx, folder / "nginx.err")
            yield Fleet(listen, instances, folder, nginx)
        finally:
            if nginx is not None:
                nginx.send_signal(signal.SIGQUIT)  # graceful stop
            for instance in instances:  # SIGTERM to all first: they drain at once
                if instance.process is not None and instance.process.poll() is None:
                    instance.process.terminate()
            if nginx is not None:
                try:
                    exited(nginx, 10)
                except subprocess.TimeoutExpired:
                    nginx.kill()
                    exited(nginx, 5)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(nginx.pid, signal.SIGKILL)
            for instance in instances:
                instance.stop()


def _wait_for_nginx(port: int, process: subprocess.Popen[bytes], errors: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx stopped: {errors.read_text(errors='replace')}")
        with contextlib.suppress(OSError), socket_to(port):
            return
        time.sleep(0.05)
    raise RuntimeError("nginx did not start in 20 s")


@contextlib.contextmanager
def socket_to(port: int) -> Iterator[None]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.connect()
        yield
    finally:
        connection.close()


# ---- load ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str  # "sheet" or "validate"
    status: int  # 0: no HTTP answer at all
    good: bool  # 200 with the right content
    seconds: float
    rid: str


@dataclass
class Load:
    """`clients` threads, each with one keep-alive connection to nginx, share a fixed list
    of requests; each answer is checked (a PDF; the findings JSON expected)."""

    port: int
    sheet: bytes
    spec: bytes
    expected_findings: bytes
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def one(self, connection: http.client.HTTPConnection, kind: str) -> Outcome:
        path, body = ("/api/sheet", self.sheet) if kind == "sheet" else ("/api/validate", self.spec)
        headers = {
            "Host": PUBLIC_NAME,
            "Content-Type": "application/yaml",
            "Authorization": f"Bearer {TOKEN}",
        }
        started = time.perf_counter()
        try:
            connection.request("POST", path, body, headers)
            answer = connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException):
            connection.close()  # reconnects on the next request
            return Outcome(kind, 0, False, time.perf_counter() - started, "")
        took = time.perf_counter() - started
        rid = answer.getheader("X-Request-ID", "")
        if kind == "sheet":
            good = answer.status == 200 and data.startswith(b"%PDF") and b"%%EOF" in data[-64:]
        else:
            good = answer.status == 200 and data == self.expected_findings
        return Outcome(kind, answer.status, good, took, rid)

    def run(
        self, kinds: list[str], clients: int, between: Callable[[int], None] | None = None
    ) -> float:
        """Send `kinds` (shared out in order); `between(done)` is called by the first client
        after each of its requests (to kill an instance mid-run). Seconds taken."""
        queue = list(reversed(kinds))

        def client(first: bool) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            while True:
                with self.lock:
                    if not queue:
                        break
                    kind = queue.pop()
                outcome = self.one(connection, kind)
                with self.lock:
                    self.outcomes.append(outcome)
                    done = len(self.outcomes)
                if first and between is not None:
                    between(done)
            connection.close()

        threads = [threading.Thread(target=client, args=(n == 0,)) for n in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=900)
        return time.perf_counter() - started

    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.good]


def mixed(sheets: int, validations: int) -> list[str]:
    """Sheets and validations interleaved evenly."""
    kinds: list[str] = []
    total = sheets + validations
    for n in range(total):
        kinds.append("sheet" if n * sheets // total != (n + 1) * sheets // total else "validate")
    return kinds


@dataclass
class KillReport:
    requests: int
    failures: list[Outcome]
    seconds: float
    killed: int  # which instance (1-based)
    killed_at: int  # requests answered when the instance was killed
    killed_clock: float  # time.time() of the kill
    rendering_when_killed: bool
    restarted_ready_after: float  # seconds from the kill to its /readyz 200
    served_after_restart: int  # requests the restarted instance answered (its log)
    nginx_errors: list[str]  # nginx's lines about the dead upstream


def kill_and_restart(
    fleet_: Fleet,
    load: Load,
    kinds: list[str],
    clients: int,
    workers: int = 1,
    recovery_requests: int = 200,
) -> KillReport:
    """Run the load; a third of the way, SIGKILL an instance while it renders a sheet (the
    first seen rendering within 5 s, else the second) and start it again; then, bounded,
    validations until the restarted instance has answered some (nginx tries it again after
    fail_timeout)."""
    state: dict[str, float | bool] = {}
    chosen: list[Instance] = []

    def between(done: int) -> None:
        if state or done < len(kinds) // 3:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not chosen:
            for candidate in fleet_.instances:
                if candidate.rendering():
                    chosen.append(candidate)
                    break
            else:
                time.sleep(0.02)
        state["rendering"] = bool(chosen)
        if not chosen:
            chosen.append(fleet_.instances[1])
        state["killed_at"] = float(len(load.outcomes))
        state["killed_clock"] = time.time()
        killed = time.monotonic()
        chosen[0].kill()
        chosen[0].start(workers)
        chosen[0].wait_ready()
        state["ready_after"] = time.monotonic() - killed

    seconds = load.run(kinds, clients, between)
    instance = chosen[0]
    recovery = 0
    while recovery < recovery_requests and not any(
        start == instance.starts for start, _ in instance.requests()
    ):
        recovery += clients
        load.run(["validate"] * clients, clients)
        time.sleep(0.25)
    errors = [
        line
        for line in fleet_.error_log().splitlines()
        if f"127.0.0.1:{instance.port}" in line and "[error]" in line
    ]
    return KillReport(
        requests=len(load.outcomes),
        failures=load.failures(),
        seconds=seconds,
        killed=fleet_.instances.index(instance) + 1,
        killed_at=int(state.get("killed_at", -1)),
        killed_clock=float(state.get("killed_clock", 0.0)),
        rendering_when_killed=bool(state.get("rendering", False)),
        restarted_ready_after=float(state.get("ready_after", -1.0)),
        served_after_restart=sum(start == instance.starts for start, _ in instance.requests()),
        nginx_errors=errors,
    )
