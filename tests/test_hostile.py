"""Hostile specs: never a traceback, the right code and exit, no partial output, and text
that looks like markup or a path stays text."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.helpers import CliResult
from tests.hostile_corpus import CASES, Case


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
    if files:
        reader = PdfReader(out / "bank.pdf")
        assert list(reader.attachments) == ["bank.yaml"]
        assert all(len(page.images) == 0 for page in reader.pages)
    if case.code is None:
        assert result.exit_code == 0 and files == ["bank.pdf"]
        pdf = (out / "bank.pdf").read_bytes()
        assert b"root:x:0" not in pdf
        assert PdfReader(io.BytesIO(pdf)).attachments["bank.yaml"][0] == case.data
