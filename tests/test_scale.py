"""Two `eg4sheet serve` instances behind Debian's nginx with the shipped site file
(docs/deploy/nginx.conf): one is killed with SIGKILL in the middle of a bounded load of
sheets and validations, and started again; no client sees a failed request. Two are the
fewest that show it (nginx sends the dead one's requests to the other); a third only adds a
server start. Sheets/s are measured by bench/scale.py (three instances), not here."""

from __future__ import annotations

import http.client
import json
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fleet import (
    PUBLIC_NAME,
    TOKEN,
    Load,
    fleet,
    kill_and_restart,
    mixed,
    nginx_missing,
)
from tests.helpers import ROOT
from tests.serving import exited, free_port, request, serve_env, stop, wait_until_up

pytestmark = pytest.mark.slow

UNIT = ROOT / "docs" / "deploy" / "eg4sheet@.service"
SPEC = b"batteries:\n  - model: LL-S\n  - model: LL-V2 (6 DIP)\n  - model: LL-V1\n"


def findings_of(port: int) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            "/api/validate",
            SPEC,
            {"Content-Type": "application/yaml", "Authorization": f"Bearer {TOKEN}"},
        )
        answer = connection.getresponse()
        assert answer.status == 200
        return answer.read()
    finally:
        connection.close()


def test_killing_an_instance_mid_run_fails_no_request() -> None:
    missing = nginx_missing()
    if missing:
        pytest.skip(missing)
    with fleet(2) as front:
        load = Load(front.base_port, SPEC, SPEC, findings_of(front.instances[0].port))
        # Through nginx: the health checks answer, the per-instance metrics are not proxied.
        base = f"http://127.0.0.1:{front.base_port}"
        assert request(base + "/readyz", headers={"Host": PUBLIC_NAME})[:2] == (
            200,
            b'{"status":"ready"}',
        )
        auth = {"Host": PUBLIC_NAME, "Authorization": f"Bearer {TOKEN}"}
        assert request(base + "/metrics", headers=auth)[0] == 404
        report = kill_and_restart(front, load, mixed(sheets=12, validations=24), clients=3)
        access = front.access_log()
        shares = [len(instance.requests()) for instance in front.instances]
    assert report.failures == []
    assert report.requests >= 36
    assert report.killed_at > 0 and report.rendering_when_killed  # a sheet was in flight
    # nginx saw the dead instance (refused or cut off) and sent those requests elsewhere.
    assert report.nginx_errors, "nginx never noticed the killed instance"
    assert any(" 200 upstream=" in line and ", " in line for line in access.splitlines())
    # The restarted instance takes requests again, and every instance took a share.
    assert report.served_after_restart > 0
    assert all(share > 0 for share in shares)


def unit_command(port: int) -> list[str]:
    """The ExecStart of docs/deploy/eg4sheet@.service for `port`, run from this checkout."""
    text = UNIT.read_text().replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    words = shlex.split(line.removeprefix("ExecStart=").replace("%i", str(port)))
    assert words[0] == "/srv/eg4sheet/.venv/bin/eg4sheet"
    return [sys.executable, "-m", "generator", *words[1:]]


def test_the_shipped_unit_starts_a_server_that_drains_on_its_stop_signal(tmp_path: Path) -> None:
    settings = dict(
        line.split("=", 1) for line in UNIT.read_text().splitlines() if re.match(r"^\w+=", line)
    )
    assert (settings["KillMode"], settings["KillSignal"]) == ("mixed", "SIGTERM")
    drain = re.search(r"--drain-timeout (\d+)", UNIT.read_text())
    assert drain is not None and float(settings["TimeoutStopSec"]) > float(drain.group(1))
    port = free_port()
    err = tmp_path / "serve.err"
    with err.open("wb") as log:
        process = subprocess.Popen(
            unit_command(port),
            cwd=tmp_path,
            env={**serve_env(), "EG4SHEET_TOKEN": TOKEN},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/readyz", process, err, {"Host": PUBLIC_NAME})
        # The public name passes the Host check; the token guards the API.
        url = f"http://127.0.0.1:{port}/api/models"
        assert request(url, headers={"Host": PUBLIC_NAME})[0] == 401
        auth = {"Host": PUBLIC_NAME, "Authorization": f"Bearer {TOKEN}"}
        assert request(url, headers=auth)[0] == 200
        process.send_signal(signal.SIGTERM)
        assert exited(process, 30) == 0
    finally:
        stop(process)
    lines = [json.loads(line) for line in err.read_text().splitlines()]  # --log-format json
    assert any(line.get("path") == "/api/models" and line["status"] == 200 for line in lines)
    assert any(line["message"].startswith("SIGTERM: draining") for line in lines)
