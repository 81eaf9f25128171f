"""The server's hostile corpus (tests/hostile_server.py) against a real `eg4sheet serve`:
every answer the stated status, message and Content-Security-Policy, JSON under /api/, never
a 500; every command that cannot listen exit 2 with one line; each case within 10 s and the
server tree within 500 MB."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.helpers import ROOT
from tests.hostile_server import COMMANDS, MEGABYTES, REQUESTS, SECONDS, Command, Request


@pytest.fixture(scope="module")
def corpus_run() -> dict[str, Any]:
    """Every case, run once by tests/hostile_server.py in its own process."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.hostile_server", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_corpus_size() -> None:
    assert len(REQUESTS) + len(COMMANDS) >= 40
    names = [case.name for case in REQUESTS] + [case.name for case in COMMANDS]
    assert len(set(names)) == len(names)


@pytest.mark.slow
@pytest.mark.parametrize("case", REQUESTS, ids=[case.name for case in REQUESTS])
def test_request(corpus_run: dict[str, Any], case: Request) -> None:
    [seen] = [seen for seen in corpus_run["requests"] if seen["name"] == case.name]
    assert seen["status"] == case.status, seen["answer"]
    assert seen["told"], (case.message, seen["answer"])
    assert seen["csp"], seen["answer"]
    if case.status >= 400 and (b" /api/" in case.raw or case.status in (400, 421, 403)):
        assert seen["json"], seen["answer"]
    assert seen["seconds"] < SECONDS


@pytest.mark.slow
@pytest.mark.parametrize("case", COMMANDS, ids=[case.name for case in COMMANDS])
def test_command(corpus_run: dict[str, Any], case: Command) -> None:
    [seen] = [seen for seen in corpus_run["commands"] if seen["name"] == case.name]
    assert seen["exit_code"] == case.exit_code, seen["output"]
    assert seen["told"] and seen["lines"] == 1 and not seen["traceback"], seen["output"]
    assert seen["seconds"] < SECONDS


@pytest.mark.slow
def test_the_server_stays_small_and_alive(corpus_run: dict[str, Any]) -> None:
    assert corpus_run["peak_rss_mb"] < MEGABYTES
    assert corpus_run["alive_after"]
