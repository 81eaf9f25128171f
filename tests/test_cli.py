"""The command line: help texts, exit codes, catalogs, and what `validate` imports."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from tests.helpers import EXAMPLE, ROOT, CliResult


@pytest.mark.parametrize(
    "command", ["validate", "plan", "models", "build", "extract", "doctor", "serve"]
)
def test_every_command_help_gives_an_example(
    run_cli: Callable[..., CliResult], command: str
) -> None:
    result = run_cli(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.out and f"eg4sheet {command}" in result.out


def test_validate_example_passes(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("validate", str(EXAMPLE))
    assert result.exit_code == 0
    assert result.out.splitlines()[-1] == (f"{EXAMPLE}: OK — 6 batteries, 0 errors, 5 warnings")


def test_usage_error_exits_2(run_cli: Callable[..., CliResult]) -> None:
    assert run_cli("validate").exit_code == 2
    assert run_cli("plan").exit_code == 2
    assert run_cli("frobnicate").exit_code == 2


def test_models_table(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("models")
    assert result.exit_code == 0
    for name in ["LL-S", "LL-V2 (6 DIP)", "LL-V2 (4 DIP)", "LL-V1", "LifePower4"]:
        assert name in result.out
    assert "(inferred)" in result.out
    assert "V3.37 or V2.16" in result.out


def test_replacement_catalog(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    text = (ROOT / "generator" / "bank" / "data" / "catalog.yaml").read_text()
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(text.replace("firmware: [Z01T16]", "firmware: [Z01T17]"))
    result = run_cli("plan", "--format", "json", "--catalog", str(catalog), str(EXAMPLE))
    assert result.exit_code == 0, result.err
    assert '"Z01T17"' in result.out and '"Z01T16"' not in result.out


def test_bad_catalog_is_checked_like_a_spec(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    text = (ROOT / "generator" / "bank" / "data" / "catalog.yaml").read_text()
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        text.replace("weights: [1, 2, 4, 8]", "weights: [1, 2, 4, 4]").replace(
            'one_when: "ON"', "one_when: sideways"
        )
    )
    result = run_cli("validate", "--catalog", str(catalog), str(EXAMPLE))
    assert result.exit_code == 2
    assert "E002: weights must be 1, 2, 4 … 8, once each" in result.err
    assert "one_when must be one of ON, OFF, not 'sideways'" in result.err
    assert "Traceback" not in result.err


@pytest.mark.slow
def test_validate_does_not_import_renderers() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "generator", "validate", str(EXAMPLE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    imported = {
        line.split("|")[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "generator.bank.rules" in imported  # the measurement itself works
    heavy = {name for name in imported if name.split(".")[0] in {"weasyprint", "matplotlib"}}
    assert heavy == set()


@pytest.mark.slow
def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "plan", "--inventory", "LL-S"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0
    assert "1 batteries" not in result.stdout and "master LL-S" in result.stdout


@pytest.mark.slow
def test_build_with_warm_cache_does_not_import_matplotlib(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "EG4SHEET_CACHE": str(tmp_path / "cache")}
    spec = tmp_path / "bank.yaml"  # one battery, one DIP block: the quickest sheet that has one
    spec.write_text("batteries:\n  - model: LL-S\n    firmware: Z02T12\n")
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-m",
        "generator",
        "build",
        str(spec),
        "-o",
        str(tmp_path),
    ]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "matplotlib" in first.stderr  # the first build draws the DIP blocks
    second = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert second.returncode == 0
    assert "| matplotlib" not in second.stderr and "weasyprint" in second.stderr
    assert list((tmp_path / "cache").glob("dip-*.svg"))


def test_doctor(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("doctor")
    assert result.exit_code == 0
    assert "fonts" in result.out and "AtkinsonHyperlegible-Regular.ttf" in result.out
    assert "font subsetting" in result.out and "drawing cache" in result.out


def run_python(stdout: int | IO[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


@pytest.mark.slow
def test_a_closed_pipe_on_stdout_exits_2_quietly() -> None:
    import os

    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before eg4sheet writes a byte
    try:
        result = run_python(writer, "plan", str(ROOT / "bank_specs" / "warehouse-15.yaml"))
    finally:
        os.close(writer)
    assert (result.returncode, result.stderr) == (2, "")


@pytest.mark.slow
def test_a_full_stdout_exits_2_with_one_line() -> None:
    with open("/dev/full", "w") as full:
        result = run_python(full, "models")
    assert result.returncode == 2
    assert result.stderr == "Error: cannot write to standard output (the disk is full)\n"


@pytest.mark.slow
def test_a_closed_stdout_descriptor_exits_2_quietly() -> None:
    result = subprocess.run(
        ["sh", "-c", f'exec "{sys.executable}" -m generator models >&-'],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (2, "")


def test_doctor_tells_will_be_created_from_not_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from generator.doctor import cache_report

    assert cache_report(tmp_path / "fresh" / "eg4sheet") == (
        f"{tmp_path / 'fresh' / 'eg4sheet'} (will be created by the first build)",
        True,
    )
    assert cache_report(tmp_path) == (f"{tmp_path} (0 drawings)", True)
    (tmp_path / "file").write_text("x")
    assert cache_report(tmp_path / "file") == (
        f"{tmp_path / 'file'} is not a directory: every build draws its DIP blocks",
        False,
    )
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert cache_report(tmp_path / "fresh" / "eg4sheet") == (
        f"{tmp_path / 'fresh' / 'eg4sheet'} cannot be created ({tmp_path} is not writable)",
        False,
    )
    assert cache_report(tmp_path) == (f"{tmp_path} (0 drawings, NOT writable)", False)


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_json_format_says_a_file_could_not_be_read_in_json(
    run_cli: Callable[..., CliResult], tmp_path: Path, command: str
) -> None:
    import json

    gone = tmp_path / "gone.yaml"
    result = run_cli(command, "--format", "json", str(gone))
    assert result.exit_code == 2
    answer = json.loads(result.out)  # never a bare [] a script would take for "no findings"
    assert (answer["code"], answer["file"], answer["message"]) == (
        "unreadable",
        str(gone),
        "No such file",
    )
    assert answer["findings"] == []


def test_json_format_keeps_the_findings_of_the_files_it_read(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    import json

    wrong = ROOT / "tests" / "wrong_banks" / "wrong_ids.yaml"
    result = run_cli("validate", "--format", "json", str(wrong), str(tmp_path))
    assert result.exit_code == 2
    answer = json.loads(result.out)
    assert answer["unreadable"] == [
        {"file": str(tmp_path), "message": "Is a directory, not a spec file"}
    ]
    assert {finding["code"] for finding in answer["findings"]} >= {"E104"}


def test_inventory_plan_says_its_warnings_itself(run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("plan", "--inventory", "LL-S, 2x LL-V1")
    assert result.exit_code == 0
    assert "eg4sheet validate" not in result.out  # there is no file to validate
    assert result.out.splitlines()[-3:] == [
        "3 warnings:",
        "  W202 Installed firmware is not given for 3 batteries (positions 1, 2, 3): "
        "the checklist leaves it to be filled in",
        "    Fix: read each battery's firmware in BMS Tools and write it in the checklist",
    ]
    from_file = run_cli("plan", str(EXAMPLE))
    assert from_file.out.splitlines()[-1] == (f"5 warnings: eg4sheet validate {EXAMPLE} shows them")


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "gone.yaml"),
        ("plan", "gone.yaml"),
        ("build", "gone.yaml"),
        ("extract", "gone.pdf"),
        ("extract", "not-a.pdf"),
        ("plan", "--inventory", "LL-S, 2x"),
        ("plan", "--fix", "-o", "x.yaml"),
        ("models", "--catalog", "gone.yaml"),
        ("frobnicate",),
    ],
    ids=lambda args: " ".join(args),
)
def test_every_message_starts_with_a_capital_and_names_no_internal_class(
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "not-a.pdf").write_bytes(b"%PDF-1.4\nnot really")
    result = run_cli(*args)
    assert result.exit_code in (1, 2)
    for line in result.err.splitlines():
        if re.match(r"\S+:\d+:\d+: (error|warning) [EW]\d{3}: |  hint: ", line):
            continue  # a finding, in the contract's form
        if line.startswith(("Usage:", "Try ")) or not line.strip():
            continue  # click's usage lines
        words = line.removeprefix(f"{tmp_path}/")
        assert words[:1].isupper() or re.match(r"[\w./<>-]+\.(yaml|pdf): ", words), line
        assert not re.search(r"\b[A-Z][a-z]+(Error|Exception)\b", line), line
