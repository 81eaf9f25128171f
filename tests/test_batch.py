"""Batch builds: parallel, each spec isolated, never a partial PDF."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.output.batch import BuildOptions, build_all, remove_stale_parts
from tests.helpers import EXAMPLE, CliResult

pytestmark = pytest.mark.slow  # process pools and PDFs


@pytest.fixture
def ten_specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    for number in range(10):
        shutil.copy(EXAMPLE, folder / f"bank{number}.yaml")
    (folder / "bank5.yaml").write_text("batteries:\n  - model: LL-V3\n")
    return folder


def test_one_bad_spec_among_ten(
    run_cli: Callable[..., CliResult], ten_specs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_cli("build", str(ten_specs), "-o", str(out), "--jobs", "2")
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"bank{n}.pdf" for n in range(10) if n != 5
    )
    assert f"{ten_specs / 'bank5.yaml'}:2:12: error E101" in result.err
    assert "built 9 of 10 sheets in" in result.err and "; 1 not built" in result.err


def test_missing_spec_in_a_batch_exits_2(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = run_cli(
        "build", str(EXAMPLE), str(tmp_path / "nope.yaml"), "-o", str(tmp_path), "-j", "1"
    )
    assert result.exit_code == 2
    assert (tmp_path / "manufacturer-example.pdf").exists()
    assert "nope.yaml: not built:" in result.err and "no such file" in result.err


def test_worker_killed_mid_write_leaves_no_partial_pdf(
    ten_specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker writing bank3's PDF dies after writing half of it, before the rename."""
    real_fsync = os.fsync
    victim = "bank3.pdf"

    def dying_fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").split("/")[-1].startswith(f".{victim}."):
            os._exit(9)  # as if killed: no cleanup, no exception handling
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", dying_fsync)  # workers fork with it
    out = tmp_path / "out"
    outcomes = build_all(sorted(ten_specs.glob("*.yaml")), BuildOptions(out), jobs=2)
    names = sorted(p.name for p in out.iterdir())
    assert victim not in names
    assert not [name for name in names if name.endswith(".part")]
    assert names == sorted(f"bank{n}.pdf" for n in range(10) if n not in (3, 5))
    failed = {o.spec.name: o.failure for o in outcomes if o.failure}
    assert list(failed) == ["bank3.yaml"]
    assert "stopped unexpectedly" in (failed["bank3.yaml"] or "")


def test_stale_parts_are_removed(tmp_path: Path) -> None:
    (tmp_path / ".bank1.pdf.abc123.part").write_bytes(b"%PDF-1.7 trunc")
    (tmp_path / ".other.pdf.abc.part").write_bytes(b"not ours")
    remove_stale_parts(tmp_path, [Path("specs/bank1.yaml")])
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.pdf.abc.part"]


def test_unwritable_output_directory(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("build", str(EXAMPLE), "-o", str(blocker / "out"))
    assert result.exit_code == 2
    assert "cannot write here" in result.err and "Traceback" not in result.err


def test_directory_without_specs(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = run_cli("build", str(tmp_path))
    assert result.exit_code == 2
    assert "a directory with no .yaml spec in it" in result.err


def test_no_progress_bar_in_a_log(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    result = run_cli("build", str(EXAMPLE), "-o", str(tmp_path))
    assert result.exit_code == 0
    assert "building" not in result.err
    assert result.out == f"{EXAMPLE}: wrote {tmp_path / 'manufacturer-example.pdf'}\n"
