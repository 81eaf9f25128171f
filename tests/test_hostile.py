"""Hostile specs: never a traceback, the right code and exit, no partial output, and text
that looks like markup or a path stays text."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from generator import api
from tests.helpers import ROOT, CliResult
from tests.hostile_corpus import CASES, Case
from tests.hostile_scenarios import SCENARIOS, Scenario
from tests.sheet_helpers import own_images, raster_images

AREAS = {
    *("spec", "text", "catalog", "company", "logo", "cache", "batch", "output", "fix", "extract")
}
SECONDS, MEGABYTES = 10, 500  # every case finishes within; the worst case's peak RSS stays under


def test_corpus_size() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_validate(run_cli: Callable[..., CliResult], tmp_path: Path, case: Case) -> None:
    spec = tmp_path / f"{case.name}.yaml"
    spec.write_bytes(case.data)
    result = run_cli("validate", "--format", "json", str(spec))
    assert "Traceback" not in result.out + result.err
    if case.code is None:
        assert result.exit_code == 0, result.out
        return
    import json

    findings = json.loads(result.out)
    assert result.exit_code == 1
    errors = [f for f in findings if f["severity"] == "error"]
    assert errors and errors[0]["code"] == case.code, errors[:2]
    for finding in findings:
        assert finding["file"] == str(spec) and finding["line"] >= 1 and finding["column"] >= 1
        assert len(finding["message"]) < 400  # huge values are cut short in messages


BUILDABLE = [case for case in CASES if len(case.data) < 1_000_000]


@pytest.mark.slow
@pytest.mark.parametrize("case", BUILDABLE, ids=[case.name for case in BUILDABLE])
def test_build_allow_errors(run_cli: Callable[..., CliResult], tmp_path: Path, case: Case) -> None:
    spec = tmp_path / "bank.yaml"
    spec.write_bytes(case.data)
    out = tmp_path / "out"
    result = run_cli("build", "--allow-errors", str(spec), "-o", str(out))
    assert "Traceback" not in result.out + result.err
    files = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert files in ([], ["bank.pdf"])  # a whole sheet or nothing, never a temp file
    pdf = (out / "bank.pdf").read_bytes() if files else b""
    if files:
        reader = PdfReader(io.BytesIO(pdf))  # one parse for every check below
        attachments = reader.attachments
        assert list(attachments) == ["bank.yaml"]
        # No raster image but the sheet's own QR code: nothing a text field names is read.
        assert raster_images(reader) == own_images(api.read_spec(spec))
    if case.code is None:
        assert result.exit_code == 0 and files == ["bank.pdf"]
        assert b"root:x:0" not in pdf
        assert attachments["bank.yaml"][0] == case.data


def test_scenarios_cover_every_area() -> None:
    assert len(SCENARIOS) >= 100
    assert len({scenario.name for scenario in SCENARIOS}) == len(SCENARIOS)
    per_area = {area: sum(s.area == area for s in SCENARIOS) for area in AREAS}
    assert {s.area for s in SCENARIOS} == AREAS and min(per_area.values()) >= 5, per_area


@pytest.fixture(scope="module")
def corpus_run() -> dict[str, Any]:
    """Every scenario, run once in one separate process (tests/hostile_run.py), which also
    measures the time of each and the peak memory."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.hostile_run", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario(corpus_run: dict[str, Any], scenario: Scenario) -> None:
    """No traceback, the documented exit code and message, no partial or stray file."""
    [case] = [case for case in corpus_run["cases"] if case["name"] == scenario.name]
    assert case["exit_code"] == scenario.exit_code, case["output"]
    assert not case["traceback"], case["output"]
    assert case["told"], (scenario.message, case["output"])
    assert case["partial"] == [] and case["unexpected"] == [], case
    assert case["seconds"] < SECONDS, case


@pytest.mark.slow
def test_every_case_is_bounded_in_time_and_memory(corpus_run: dict[str, Any]) -> None:
    slowest = max(corpus_run["cases"], key=lambda case: case["seconds"])
    assert slowest["seconds"] < SECONDS, slowest["name"]
    # All cases ran in one process: its peak is at least the worst single case's.
    assert corpus_run["peak_rss_mb"] < MEGABYTES
    assert corpus_run["children_peak_rss_mb"] < MEGABYTES
