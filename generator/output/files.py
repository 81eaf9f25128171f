"""load -> validate -> plan -> figures -> html -> pdf -> write, for one spec.

Nothing is written until the PDF exists in memory; then it is written atomically (a temp
file in the same directory, renamed over the target), so a crash or kill never leaves a
truncated sheet behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.bank.catalog import Catalog
from generator.bank.diagnostics import Finding, has_errors, sort_findings
from generator.bank.plan import InstallPlan, as_found_plan, plan_spec
from generator.bank.spec import load_spec
from generator.company import Company
from generator.errors import OutputError


@dataclass
class BuildResult:
    spec_path: Path
    findings: list[Finding]
    written: list[Path] = field(default_factory=list)
    plan: InstallPlan | None = None

    @property
    def has_errors(self) -> bool:
        return has_errors(self.findings)


def build_sheet(
    spec_path: Path,
    out_dir: Path,
    catalog: Catalog,
    *,
    allow_errors: bool = False,
    paper: str | None = None,
    with_html: bool = False,
    company: Company | None = None,
) -> BuildResult:
    """Build one sheet; a spec with errors is refused (nothing written) unless allowed."""
    spec, findings = load_spec(spec_path)
    if spec is None:  # not YAML, or not a mapping: there is nothing to print
        return BuildResult(spec_path, findings)
    plan = plan_spec(spec, catalog)
    findings = sort_findings(findings + list(plan.findings))
    if has_errors(findings) and not allow_errors:
        return BuildResult(spec_path, findings)
    plan = replace(plan, findings=tuple(findings), paper=paper or plan.paper)

    from generator.sheet.pdf import render_pdf  # heavy imports only when a sheet is really built
    from generator.sheet.render import inline_font_urls, render_html

    as_found = as_found_plan(spec, plan) if has_errors(findings) else None
    # One rendering serves both outputs; the HTML file must stand alone, so its fonts go inline.
    fonts = inline_font_urls() if with_html else None
    html = render_html(plan, spec.file, fonts=fonts, as_found=as_found, company=company)
    pdf = render_pdf(html, spec.file, spec.source)
    target = out_dir / f"{spec_path.stem}.pdf"
    written = [write_atomic(target, pdf)]
    if with_html:
        written.append(write_atomic(target.with_suffix(".html"), html.encode()))
    return BuildResult(spec_path, findings, written, plan)


def write_atomic(target: Path, content: bytes) -> Path:
    """Write via a temp file and rename: readers see the old file or the whole new one."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as error:
        raise OutputError(f"{target.parent}: cannot write here ({error.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(content)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(error, OSError):
            raise OutputError(f"{target}: cannot be written ({error.strerror})") from None
        raise
    return target
