"""A real `eg4sheet serve` on a free loopback port, and headless chromium driven by Selenium
(used by the browser tests, the screenshots and bench/serve.py)."""

from __future__ import annotations

import contextlib
import os
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
    """A running `eg4sheet serve`: its process, base URL, port, log and temp folder."""

    process: subprocess.Popen[bytes]
    base: str
    port: int
    log: Path
    tmp: Path  # the server's TMPDIR, empty but for the log's folder

    def tree(self) -> list[int]:
        """The server and every process under it."""
        return [self.process.pid, *descendants(self.process.pid)]

    def rss_mb(self) -> float:
        """Resident memory of the whole tree (workers, forkserver, resource tracker)."""
        return sum(rss_kb(pid) for pid in self.tree()) / 1024


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


def rss_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@contextlib.contextmanager
def started_server(
    *args: str, workers: int = 1, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[Served]:
    """`eg4sheet serve` in a subprocess on 127.0.0.1 with a TMPDIR of its own; stopped after."""
    port = free_port()
    command = [sys.executable, "-m", "generator", "serve", "--port", str(port)]
    command += ["--workers", str(workers), *args]
    with tempfile.TemporaryDirectory() as folder:  # no ./eg4sheet.yaml to pick up
        tmp = Path(folder) / "tmp"
        tmp.mkdir()
        environment = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp), **(env or {})}
        log = Path(folder) / "serve.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, cwd=cwd or folder, env=environment, stdout=out, stderr=subprocess.STDOUT
            )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base, process, log)
            yield Served(process, base, port, log, tmp)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@contextlib.contextmanager
def running_server(*args: str, workers: int = 1, cwd: Path | None = None) -> Iterator[str]:
    """`eg4sheet serve` in a subprocess on 127.0.0.1; yields its base URL, stops it after."""
    with started_server(*args, workers=workers, cwd=cwd) as served:
        yield served.base


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"eg4sheet serve stopped: {log.read_text(errors='replace')}")
        with (
            contextlib.suppress(OSError, urllib.error.URLError),
            urllib.request.urlopen(base + "/", timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"eg4sheet serve did not start in {START_SECONDS:g} s")


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
