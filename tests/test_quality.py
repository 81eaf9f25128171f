"""The code stays lint-clean and type-checked (ruff and mypy strict, as pyproject.toml says)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.slow  # ruff and mypy over the whole tree


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "generator", "tests", "bench"],
        ["ruff", "format", "--check", "generator", "tests", "bench"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_passes(command: list[str]) -> None:
    if shutil.which(command[0]) is None and not (ROOT / ".venv" / "bin" / command[0]).exists():
        pytest.skip(f"{command[0]} is not installed")
    result = subprocess.run(
        [sys.executable, "-m", *command], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_longest_first_order_names_real_test_files() -> None:
    """conftest's LONGEST_FIRST (the order ./dev test hands files out in) names only files
    that exist: a renamed file would silently fall to the end."""
    from tests.conftest import LONGEST_FIRST

    assert [name for name in LONGEST_FIRST if not (ROOT / "tests" / name).is_file()] == []
