"""'-' as a spec reads standard input; `build … -o -` writes the PDF, and only it, to stdout."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import api
from generator.bank.yamlsrc import MAX_BYTES
from tests.helpers import EXAMPLE, WRONG_BANKS, CliResult

Stdin = Callable[[bytes], None]
BAD = b"batteries:\n  - model: LL-S\n    count: 0\n"


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> Stdin:
    """Give the in-process command these bytes as its standard input."""

    def feed(data: bytes) -> None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))

    return feed


def test_validate_reads_stdin(run_cli: Callable[..., CliResult], stdin: Stdin) -> None:
    stdin(BAD)
    result = run_cli("validate", "-")
    assert result.exit_code == 1
    assert "<stdin>:3:12: error E002: count of battery at position 1 must be from 1 to 64" in (
        result.out
    )
    assert result.out.splitlines()[-1] == "<stdin>: has errors — 1 battery, 1 error, 1 warning"


def test_validate_stdin_beside_files(run_cli: Callable[..., CliResult], stdin: Stdin) -> None:
    stdin(EXAMPLE.read_bytes())
    result = run_cli("validate", "--format", "json", "-", str(WRONG_BANKS / "wrong_ids.yaml"))
    assert result.exit_code == 1
    assert '"file": "<stdin>"' in result.out and "wrong_ids.yaml" in result.out


def test_stdin_only_once(run_cli: Callable[..., CliResult], stdin: Stdin) -> None:
    stdin(BAD)
    result = run_cli("validate", "-", "-")
    assert result.exit_code == 2
    assert "'-' (standard input) can be given only once" in result.err


def test_closed_stdin_exits_2(
    run_cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", None)
    result = run_cli("validate", "-")
    assert (result.exit_code, result.err) == (2, "<stdin>: standard input is not open\n")


class Endless(io.RawIOBase):
    """Standard input that never ends, counting what was asked of it."""

    asked = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        buffer[:] = b"#" * len(buffer)
        self.asked += len(buffer)
        return len(buffer)


def test_stdin_is_read_no_further_than_the_size_cap() -> None:
    endless = Endless()
    source = api.read_stream(io.BufferedReader(endless))
    assert source.name == "<stdin>" and len(source.data) == MAX_BYTES + 1
    assert endless.asked < 2 * MAX_BYTES
    finding = api.check(source).findings[0]
    assert finding.as_text().startswith("<stdin>:1:1: error E001: the spec is larger than 1000 kB")


def test_plan_reads_stdin(run_cli: Callable[..., CliResult], stdin: Stdin) -> None:
    stdin(EXAMPLE.read_bytes())
    result = run_cli("plan", "--format", "json", "-")
    assert result.exit_code == 0
    assert result.out.startswith('{\n  "bank": {\n    "batteries": 6,')


def test_plan_fix_from_stdin_to_stdout(run_cli: Callable[..., CliResult], stdin: Stdin) -> None:
    stdin((WRONG_BANKS / "wrong_ids.yaml").read_bytes())
    result = run_cli("plan", "--fix", "-")
    assert result.exit_code == 0
    assert "<stdin>: LL-S now at position 1: id 2 -> 1" in result.err
    assert "    id: 1\n" in result.out and result.out.startswith("# E104")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-"], "a spec from standard input needs -o FILE.pdf or -o -"),
        (["-", "-o", "sheets"], "a spec from standard input needs -o FILE.pdf or -o -"),
        ([str(EXAMPLE), str(EXAMPLE.parent), "-o", "-"], "take a single spec; give a directory"),
        ([str(EXAMPLE.parent), "-o", "x.pdf"], "take a single spec; give a directory"),
        (["-", "-o", "-", "--html"], "--html cannot go to standard output"),
    ],
)
def test_build_output_rules(
    run_cli: Callable[..., CliResult], stdin: Stdin, args: list[str], message: str
) -> None:
    stdin(EXAMPLE.read_bytes())
    result = run_cli("build", *args)
    assert result.exit_code == 2 and message in result.err
    assert result.out == ""


def test_build_refused_to_stdout_writes_nothing_there(
    run_cli: Callable[..., CliResult], stdin: Stdin
) -> None:
    stdin(BAD)
    result = run_cli("build", "-", "-o", "-")
    assert result.exit_code == 1 and result.out == ""
    assert "<stdin>:3:12: error E002" in result.err
    assert "<stdin>: not built: 1 error" in result.err


def test_no_pdf_onto_a_terminal(
    run_cli: Callable[..., CliResult], stdin: Stdin, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(EXAMPLE.read_bytes())
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    result = run_cli("build", "-", "-o", "-")
    assert result.exit_code == 2 and result.out == ""
    assert "-o - writes a PDF: send standard output to a file or a pipe" in result.err


@pytest.mark.slow
def test_build_to_a_named_pdf(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    target = tmp_path / "quote-17.pdf"
    result = run_cli("build", str(EXAMPLE), "-o", str(target), "--html")
    assert result.exit_code == 0, result.err
    assert result.out == f"{EXAMPLE}: wrote {target}, {target.with_suffix('.html')}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quote-17.html", "quote-17.pdf"]
    assert target.read_bytes().startswith(b"%PDF-")


@pytest.mark.slow
def test_pipeline_stdin_to_stdout(tmp_path: Path) -> None:
    """A real pipe: the spec in on stdin, the PDF out on stdout and nothing else there."""
    spec = b"batteries:\n  - model: LL-S\n    firmware: Z02T12\n"  # the quickest sheet
    built = subprocess.run(
        [sys.executable, "-m", "generator", "build", "-", "-o", "-"],
        input=spec,
        capture_output=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith(b"%PDF-1.") and built.stdout.rstrip().endswith(b"%%EOF")
    assert built.stderr.decode().splitlines()[-1] == "<stdin>: wrote <stdout>"
    assert list(tmp_path.iterdir()) == []  # no output/ folder, no file
    attached = api.extract(built.stdout, "sheet.pdf")  # the spec travels as stdin.yaml
    assert (attached.name, attached.data) == ("stdin.yaml", spec)
