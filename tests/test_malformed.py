"""The malformed corpus: every bad spec gives its code at its place, exit 1, no traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import ROOT, CliResult

CORPUS = ROOT / "tests" / "malformed"
EXPECTED = [
    line.split("\t")
    for line in (CORPUS / "EXPECTED.tsv").read_text().splitlines()
    if line and not line.startswith("#")
]


def test_corpus_is_complete() -> None:
    listed = {name for name, *_ in EXPECTED}
    on_disk = {path.name for path in CORPUS.glob("*.yaml")}
    assert listed == on_disk
    assert len(listed) >= 30


@pytest.mark.parametrize(("name", "code", "line", "column"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_malformed_spec(
    run_cli: Callable[..., CliResult], name: str, code: str, line: str, column: str
) -> None:
    path = CORPUS / name
    result = run_cli("validate", str(path))
    assert result.exit_code == 1, result.out + result.err
    assert f"{path}:{line}:{column}: error {code}: " in result.out
    assert "Traceback" not in result.out + result.err


def test_malformed_json_output(run_cli: Callable[..., CliResult]) -> None:
    import json

    result = run_cli("validate", "--format", "json", str(CORPUS / "count_zero.yaml"))
    assert result.exit_code == 1
    findings = json.loads(result.out)
    assert [f["code"] for f in findings] == ["W202", "E002"]  # rack order, then line
    assert findings[1] == {
        "file": str(CORPUS / "count_zero.yaml"),
        "line": 3,
        "column": 12,
        "code": "E002",
        "severity": "error",
        "message": "count of battery at position 1 must be from 1 to 64, not 0",
        "hint": "use a number from 1 to 64",
    }


def test_ten_megabyte_file(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("batteries:\n" + "  - model: LL-S\n" * 700_000)
    assert path.stat().st_size > 10_000_000
    result = run_cli("validate", str(path))
    assert result.exit_code == 1
    assert f"{path}:1:1: error E001: the spec is larger than 1000 kB" in result.out


def test_missing_file_exits_2(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert result.err.strip() == f"{tmp_path / 'nope.yaml'}: no such file"


def test_directory_as_spec_exits_2(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path))
    assert result.exit_code == 2
    assert "is a directory" in result.err


def test_unreadable_file_exits_2(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    import os

    path = tmp_path / "locked.yaml"
    path.write_text("batteries: [{model: LL-S}]\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as root: permissions do not stop reading")
    result = run_cli("validate", str(path))
    assert result.exit_code == 2


def test_one_bad_spec_among_good_ones(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli(
        "validate",
        str(ROOT / "bank_specs" / "small-new-generation.yaml"),
        str(CORPUS / "model_unknown.yaml"),
    )
    assert result.exit_code == 1
    assert "small-new-generation.yaml: OK" in result.out
    assert "model_unknown.yaml: has errors" in result.out


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["binary.yaml", "alias_bomb_top.yaml", "deep_nesting.yaml", "nul_bytes.yaml"]
)
def test_real_process_never_shows_a_traceback(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "validate", str(CORPUS / name)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
