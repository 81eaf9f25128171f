"""`extract` writes the spec a sheet carries, exactly, or refuses with exit 2 and no file."""

from __future__ import annotations

import re
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE, ROOT, CliResult, example_sheet

pytestmark = pytest.mark.slow  # one sheet rendered for the module
STREAM = re.compile(rb"<</Type /EmbeddedFile.*?/Length (\d+)>>\nstream\n", re.DOTALL)


@pytest.fixture(scope="module")
def sheet() -> bytes:
    return example_sheet()


def with_attachment(pdf: bytes, stored: bytes) -> bytes:
    """The sheet with its embedded file's stream replaced (size and checksum kept as they
    were: what a damaged or edited file looks like)."""
    found = STREAM.search(pdf)
    assert found is not None
    length = int(found.group(1))
    header = found.group(0).replace(b"/Length %d" % length, b"/Length %d" % len(stored))
    return pdf[: found.start()] + header + stored + pdf[found.end() + length :]


def attached(pdf: bytes) -> bytes:
    found = STREAM.search(pdf)
    assert found is not None
    return zlib.decompress(pdf[found.end() : found.end() + int(found.group(1))])


def run_extract(run_cli: Callable[..., CliResult], tmp_path: Path, pdf: bytes) -> CliResult:
    (tmp_path / "sheet.pdf").write_bytes(pdf)
    result = run_cli("extract", str(tmp_path / "sheet.pdf"), "-o", str(tmp_path / "bank.yaml"))
    assert "Traceback" not in result.err
    return result


def test_the_spec_comes_back_byte_for_byte(
    run_cli: Callable[..., CliResult], tmp_path: Path, sheet: bytes
) -> None:
    result = run_extract(run_cli, tmp_path, sheet)
    assert result.exit_code == 0
    assert (tmp_path / "bank.yaml").read_bytes() == EXAMPLE.read_bytes()


def test_a_spec_cut_short_that_still_reads_is_refused(
    run_cli: Callable[..., CliResult], tmp_path: Path, sheet: bytes
) -> None:
    """The worst case: the damaged spec would validate OK with one battery fewer."""
    content = attached(sheet)
    shorter = content[: content.rindex(b"  - model:")]
    result = run_extract(run_cli, tmp_path, with_attachment(sheet, zlib.compress(shorter)))
    assert result.exit_code == 2
    assert result.err == (
        f"Error: {tmp_path / 'sheet.pdf'}: the attached spec 'manufacturer-example.yaml' is "
        f"damaged: {len(shorter)} bytes where {len(content)} were stored\n"
    )
    assert not (tmp_path / "bank.yaml").exists()


def test_one_changed_byte_is_refused(
    run_cli: Callable[..., CliResult], tmp_path: Path, sheet: bytes
) -> None:
    content = attached(sheet).replace(b"LL-V1", b"LL-V2", 1)
    result = run_extract(run_cli, tmp_path, with_attachment(sheet, zlib.compress(content)))
    assert result.exit_code == 2
    assert result.err.endswith("is damaged: its checksum does not match\n")
    assert not (tmp_path / "bank.yaml").exists()


def test_a_broken_stream_is_refused(
    run_cli: Callable[..., CliResult], tmp_path: Path, sheet: bytes
) -> None:
    compressed = zlib.compress(attached(sheet))
    broken = compressed[:40] + bytes(b ^ 0x55 for b in compressed[40:80]) + compressed[80:]
    result = run_extract(run_cli, tmp_path, with_attachment(sheet, broken))
    assert result.exit_code == 2
    assert not (tmp_path / "bank.yaml").exists()


def test_without_a_stored_size_and_checksum_nothing_is_trusted(
    run_cli: Callable[..., CliResult], tmp_path: Path, sheet: bytes
) -> None:
    params = re.search(rb"/Params <<.*?>>", sheet)
    assert params is not None
    blank = sheet.replace(params.group(0), b" " * len(params.group(0)))
    result = run_extract(run_cli, tmp_path, blank)
    assert result.exit_code == 2
    assert "has no stored size and checksum to check it against; nothing written" in result.err


def test_an_attached_file_that_is_no_spec_is_refused(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    from generator.sheet.pdf import render_pdf

    pdf = render_pdf("<p>not a sheet</p>", "bank.yaml", b"- just\n- a list\n")
    result = run_extract(run_cli, tmp_path, pdf)
    assert result.exit_code == 2
    assert result.err == (
        f"Error: {tmp_path / 'sheet.pdf'}: the attached file 'bank.yaml' is not a bank spec "
        "(the spec is not a mapping of keys to values)\n"
    )


def test_no_attachment(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    from weasyprint import HTML

    pdf = HTML(string="<p>a PDF, but no sheet</p>").write_pdf()
    result = run_extract(run_cli, tmp_path, pdf)
    assert result.exit_code == 2
    assert "no bank spec is attached (was it made by eg4sheet?)" in result.err


def test_an_attachment_bomb_stops_early(
    run_cli: Callable[..., CliResult], tmp_path: Path, sheet: bytes
) -> None:
    bomb = zlib.compress(b"\0" * 60_000_000, 9)  # 60 kB on disk
    result = run_extract(run_cli, tmp_path, with_attachment(sheet, bomb))
    assert result.exit_code == 2
    assert "holds more data than a sheet does (a stream decodes to over 5 MB)" in result.err
    assert not (tmp_path / "bank.yaml").exists()


def test_input_size_is_capped(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    with (tmp_path / "sheet.pdf").open("wb") as big:
        big.truncate(20_000_001)  # sparse: costs no disk
    result = run_cli("extract", str(tmp_path / "sheet.pdf"))
    assert result.exit_code == 2
    assert result.err == (
        f"Error: {tmp_path / 'sheet.pdf'}: is larger than 20 MB, too large for a sheet file\n"
    )


def test_library_log_lines_never_reach_the_user(tmp_path: Path, sheet: bytes) -> None:
    """pypdf logs its repairs of a damaged file; the user sees only eg4sheet's one line."""
    content = attached(sheet)
    damaged = with_attachment(sheet, zlib.compress(content[:-9]))  # xref offsets now wrong
    (tmp_path / "sheet.pdf").write_bytes(damaged)
    result = subprocess.run(
        [sys.executable, "-m", "generator", "extract", str(tmp_path / "sheet.pdf")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path / 'sheet.pdf'}: the attached spec 'manufacturer-example.yaml' is "
        f"damaged: {len(content) - 9} bytes where {len(content)} were stored"
    ]
