"""Shared fixtures: the catalog, spec checking from text, and running the CLI in-process."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.bank.catalog import Catalog, default_catalog
from generator.bank.diagnostics import Finding, sort_findings
from generator.bank.rules import check
from generator.bank.spec import parse_spec
from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "bank_specs" / "manufacturer-example.yaml"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()


def findings_for(text: str, file: str = "bank.yaml") -> list[Finding]:
    """Every finding (shape and rules) for a spec given as indented text."""
    spec, findings = parse_spec(textwrap.dedent(text).encode(), file)
    if spec is not None:
        findings = findings + check(spec, default_catalog())[1]
    return sort_findings(findings)


def codes(findings: list[Finding], *, warnings: bool = False) -> list[str]:
    return [f.code for f in findings if warnings or f.is_error]


@dataclass
class CliResult:
    exit_code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `eg4sheet ARGS` in this process through the real entry point."""

    def run(*args: str) -> CliResult:
        try:
            main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str, name: str = "bank.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session", autouse=True)
def drawing_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tests use a cache of their own, never the user's."""
    import os

    folder = tmp_path_factory.mktemp("cache")
    os.environ["EG4SHEET_CACHE"] = str(folder)
    return folder
