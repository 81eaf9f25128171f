"""Helpers shared by the tests (fixtures stay in conftest.py)."""

from __future__ import annotations

import contextlib
import functools
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import api
from generator.bank.analysis import Analysis
from generator.bank.catalog import default_catalog
from generator.bank.diagnostics import Finding, sort_findings
from generator.bank.rules import check
from generator.bank.spec import parse_spec
from generator.company import Company

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "bank_specs" / "manufacturer-example.yaml"
WRONG_BANKS = ROOT / "tests" / "wrong_banks"


def findings_for(text: str, file: str = "bank.yaml") -> list[Finding]:
    """Every finding (shape and rules) for a spec given as indented text."""
    spec, findings = parse_spec(textwrap.dedent(text).encode(), file)
    if spec is not None:
        findings = findings + check(spec, default_catalog())[1]
    return sort_findings(findings)


def analysis_of(path: Path) -> Analysis:
    """The analysis of a spec file: findings, corrected plan, as found, changes."""
    checked = api.check(api.read_spec(path))
    assert checked.analysis is not None, checked.findings
    return checked.analysis


def codes(findings: list[Finding], *, warnings: bool = False) -> list[str]:
    return [f.code for f in findings if warnings or f.is_error]


def build_pdf(
    spec: Path,
    out_dir: Path | None = None,
    *,
    allow_errors: bool = False,
    paper: str | None = None,
    company: Company | None = None,
) -> bytes:
    """Build a sheet through the library API; with `out_dir`, also write it there as
    `eg4sheet build` names it."""
    sheet = api.build_sheet(
        api.read_spec(spec),
        api.SheetOptions(allow_errors=allow_errors, paper=paper, company=company),
    )
    assert sheet.pdf is not None, [f.as_text() for f in sheet.checked.findings if f.is_error]
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{spec.stem}.pdf").write_bytes(sheet.pdf)
    return sheet.pdf


@functools.cache
def example_sheet() -> bytes:
    """The example's sheet, built once per test process for the tests that only read it (bytes:
    nothing can change it); a test that a build repeats itself calls build_pdf again."""
    return build_pdf(EXAMPLE)


@dataclass
class CliResult:
    exit_code: int
    out: str
    err: str


@contextlib.contextmanager
def counting_layouts() -> Iterator[list[int]]:
    """Count WeasyPrint's layouts while the block runs: one entry per HTML.render()."""
    import weasyprint

    layouts: list[int] = []
    render = weasyprint.HTML.render

    def counted(self: weasyprint.HTML, *args: Any, **kwargs: Any) -> Any:
        layouts.append(1)
        return render(self, *args, **kwargs)

    weasyprint.HTML.render = counted
    try:
        yield layouts
    finally:
        weasyprint.HTML.render = render
