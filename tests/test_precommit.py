"""The pre-commit hook other repositories use, and this repository's own pre-commit config."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import EXAMPLE, ROOT

HOOKS: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
HOOK = next(hook for hook in HOOKS if hook["id"] == "eg4sheet-validate")


def test_hook_is_validate_on_bank_specs() -> None:
    assert HOOK["entry"] == "eg4sheet validate" and HOOK["language"] == "python"
    files = re.compile(HOOK["files"])
    for path in ["bank_specs/garcia.yaml", "quotes/2026/bank_specs/a.yml"]:
        assert files.search(path), path
    for path in [".github/workflows/ci.yaml", "eg4sheet.yaml", "bank_specs/notes.md"]:
        assert not files.search(path), path


@pytest.mark.slow
@pytest.mark.parametrize(
    ("spec", "exit_code"),
    [
        (EXAMPLE, 0),  # warnings only
        (ROOT / "tests" / "malformed" / "unknown_top_key.yaml", 1),
    ],
    ids=["good", "bad"],
)
def test_hook_entry_exits_as_validate(spec: Path, exit_code: int, tmp_path: Path) -> None:
    """As pre-commit runs it: the entry, then the staged file names, from the repository."""
    folder = tmp_path / "bank_specs"
    folder.mkdir()
    (folder / spec.name).write_bytes(spec.read_bytes())
    command, *args = shlex.split(HOOK["entry"])
    entry = Path(sys.executable).with_name(command)  # the console script pip installed
    result = subprocess.run(
        [str(entry), *args, f"bank_specs/{spec.name}"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == exit_code, result.stdout + result.stderr
    verdict = "OK" if exit_code == 0 else "has errors"
    assert result.stdout.splitlines()[-1].startswith(f"bank_specs/{spec.name}: {verdict} — ")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("command", "file"),
    [
        ("validate-manifest", ".pre-commit-hooks.yaml"),
        ("validate-config", ".pre-commit-config.yaml"),
    ],
)
def test_pre_commit_accepts_the_files(command: str, file: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", command, file],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_own_config_runs_the_venvs_tools_offline() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # nothing to download
    assert set(hooks) == {"ruff-check", "ruff-format", "mypy", "eg4sheet-validate"}
    for hook in hooks.values():
        assert hook["entry"].startswith(".venv/bin/"), hook["id"]
    assert re.search(hooks["eg4sheet-validate"]["files"], "bank_specs/warehouse-15.yaml")
