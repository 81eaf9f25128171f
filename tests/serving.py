"""A real `eg4sheet serve` on a free loopback port, and headless chromium driven by Selenium
(used by the browser tests, the screenshots and bench/serve.py)."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.helpers import ROOT

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
START_SECONDS = 60.0


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        return (
            f"browser tests skipped: {' and '.join(missing)} missing "
            "(./dev test installs Debian's chromium and chromium-driver when run as root)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "browser tests skipped: selenium is not installed (pip install -e '.[test]')"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running `eg4sheet serve`: its URL, its process, and its standard output and
    standard error, each in its own file (the log goes to the real standard error)."""

    base: str
    port: int
    process: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path
    kept: tuple[str, str] | None = None  # (stdout, stderr) as they were when it stopped
    tmp: Path | None = None  # its TMPDIR: a folder of its own, to see what it leaves there

    def tree(self) -> list[int]:
        """The server and every process under it (workers, forkserver, resource tracker)."""
        return [self.process.pid, *descendants(self.process.pid)]

    def rss_mb(self) -> float:
        """Resident memory of the whole tree, in MB."""
        return sum(rss_kb(pid) for pid in self.tree()) / 1024

    def log(self) -> str:
        """Its standard error so far (after it stopped: all of it)."""
        return self.kept[1] if self.kept else self.stderr.read_text(errors="replace")

    def output(self) -> str:
        return self.kept[0] if self.kept else self.stdout.read_text(errors="replace")

    def get(
        self, path: str, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        """A GET; any status, with its body and headers (names in lower case)."""
        return request(self.base + path, headers=headers)

    def post(
        self, path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        return request(
            self.base + path, body, {"Content-Type": "application/yaml", **(headers or {})}
        )


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children.get(child, []))
    return found


def render_processes(server: Served) -> list[int]:
    """The server's forkserver and render workers (forked from it: the same command line)."""
    found = []
    for pid in descendants(server.process.pid):
        with contextlib.suppress(OSError):
            if b"multiprocessing.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
    return found


def rss_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def request(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 60
) -> tuple[int, bytes, dict[str, str]]:
    """One HTTP request; (status, body, headers) whatever the status."""
    sent = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(sent, timeout=timeout) as answer:
            return answer.status, answer.read(), {k.lower(): v for k, v in answer.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, error.read(), {k.lower(): v for k, v in error.headers.items()}


def serve_command(port: int, workers: int, *args: str) -> list[str]:
    command = [sys.executable, "-m", "generator", "serve", "--port", str(port)]
    return [*command, "--workers", str(workers), *args]


def serve_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@contextlib.contextmanager
def served(
    *args: str, workers: int = 1, cwd: Path | None = None, ready: bool = False
) -> Iterator[Served]:
    """`eg4sheet serve` in a subprocess on 127.0.0.1 (a free port); stopped after (SIGTERM,
    then SIGKILL). `ready`: wait for /readyz too, not only for the page."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:  # no ./eg4sheet.yaml to pick up
        stdout, stderr = Path(folder) / "serve.out", Path(folder) / "serve.err"
        tmp = Path(folder) / "tmp"
        tmp.mkdir()
        with stdout.open("wb") as out, stderr.open("wb") as err:
            process = subprocess.Popen(
                serve_command(port, workers, *args),
                cwd=cwd or folder,
                env={**serve_env(), "TMPDIR": str(tmp)},
                stdout=out,
                stderr=err,
                start_new_session=True,  # its own process group, as under a terminal
            )
        server = Served(f"http://127.0.0.1:{port}", port, process, stdout, stderr, tmp=tmp)
        try:
            wait_until_up(server.base + ("/readyz" if ready else "/"), process, stderr)
            yield server
        finally:
            stop(process)
            server.kept = (
                stdout.read_text(errors="replace"),
                stderr.read_text(errors="replace"),
            )


def stop(process: subprocess.Popen[bytes], seconds: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        exited(process, seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        exited(process, 5)


def exited(process: subprocess.Popen[bytes], seconds: float) -> int:
    """process.wait(timeout=seconds), woken by the exit itself (a pidfd) rather than by
    Popen.wait's polling, which sleeps up to 50 ms between looks."""
    deadline = time.monotonic() + seconds
    if process.poll() is None:
        with contextlib.suppress(OSError):  # no pidfd here: Popen.wait alone
            handle = os.pidfd_open(process.pid)  # not reaped yet: still this process
            try:
                select.select([handle], [], [], seconds)
            finally:
                os.close(handle)
    return process.wait(timeout=max(0.0, deadline - time.monotonic()))


def wait_gone(pids: list[int], seconds: float) -> None:
    """Return once every process of `pids` has ended (a zombie has), or after `seconds`:
    woken by the exits (pidfds), not by looking again every so often."""
    handles = []
    for pid in pids:
        with contextlib.suppress(OSError):  # ended and reaped already
            handles.append(os.pidfd_open(pid))
    try:
        deadline = time.monotonic() + seconds
        waiting = list(handles)
        while waiting and (left := deadline - time.monotonic()) > 0:
            ended, _, _ = select.select(waiting, [], [], left)
            waiting = [handle for handle in waiting if handle not in ended]
    finally:
        for handle in handles:
            os.close(handle)


@contextlib.contextmanager
def running_server(*args: str, workers: int = 1, cwd: Path | None = None) -> Iterator[str]:
    """`eg4sheet serve` in a subprocess on 127.0.0.1; yields its base URL, stops it after."""
    with served(*args, workers=workers, cwd=cwd) as server:
        yield server.base


def wait_until_up(
    url: str,
    process: subprocess.Popen[bytes],
    log: Path,
    headers: dict[str, str] | None = None,
    seconds: float = START_SECONDS,
) -> None:
    """Until `url` answers 200 (RuntimeError with the log if the process ends, or after
    `seconds`). Before the server listens a look is a refused connect (microseconds): looked
    for every 10 ms; once it listens, a request it answers (503 while it starts): every 50."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"eg4sheet serve stopped: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(
                urllib.request.Request(url, headers=headers or {}), timeout=2
            ) as answer:
                if answer.status == 200:
                    return
            pause = 0.05
        except urllib.error.HTTPError:  # listening: 503 while the render pool starts
            pause = 0.05
        except (OSError, urllib.error.URLError):  # not listening yet
            pause = 0.01
        time.sleep(pause)
    raise RuntimeError(f"eg4sheet serve at {url} did not answer 200 in {seconds:g} s")


@contextlib.contextmanager
def chromium(
    width: int = 1280, height: int = 900, downloads: Path | None = None
) -> Iterator[WebDriver]:
    """Debian's headless chromium with a fresh profile; nothing is downloaded for it."""
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not fetch drivers
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="eg4-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(flag)
    if downloads is not None:
        options.add_experimental_option(
            "prefs",
            {"download.default_directory": str(downloads), "download.prompt_for_download": False},
        )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(30)
        if downloads is not None:
            driver.execute_cdp_cmd(
                "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
            )
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
