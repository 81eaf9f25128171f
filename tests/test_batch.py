"""Batch builds: parallel, each spec isolated, never a partial PDF."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.output.batch import BuildOptions, build_all, remove_stale_parts
from tests.helpers import EXAMPLE, ROOT, CliResult

pytestmark = pytest.mark.slow  # process pools and PDFs


ONE_BATTERY = "batteries:\n  - model: LL-S\n    firmware: Z02T12\n"


@pytest.fixture
def ten_specs(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    for number in range(10):
        shutil.copy(EXAMPLE, folder / f"bank{number}.yaml")
    (folder / "bank5.yaml").write_text("batteries:\n  - model: LL-V3\n")
    return folder


@pytest.fixture
def ten_small_specs(ten_specs: Path) -> Path:
    """The same ten, each good one a single battery: a quick sheet, for tests about which
    outputs a batch leaves rather than about work in flight."""
    for number in range(10):
        if number != 5:
            (ten_specs / f"bank{number}.yaml").write_text(ONE_BATTERY)
    return ten_specs


def test_one_bad_spec_among_ten(
    run_cli: Callable[..., CliResult], ten_small_specs: Path, tmp_path: Path
) -> None:
    ten_specs = ten_small_specs
    out = tmp_path / "out"
    result = run_cli("build", str(ten_specs), "-o", str(out), "--jobs", "2")
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"bank{n}.pdf" for n in range(10) if n != 5
    )
    assert f"{ten_specs / 'bank5.yaml'}:2:12: error E101" in result.err
    assert "built 9 of 10 sheets in" in result.err and "; 1 not built" in result.err


def test_missing_spec_in_a_batch_exits_2(run_cli: Callable[..., CliResult], tmp_path: Path) -> None:
    spec = tmp_path / "bank.yaml"
    spec.write_text(ONE_BATTERY)  # a quick sheet: the test is about the batch, not the sheet
    result = run_cli(
        "build", str(spec), str(tmp_path / "nope.yaml"), "-o", str(tmp_path), "-j", "1"
    )
    assert result.exit_code == 2
    assert (tmp_path / "bank.pdf").exists()
    assert "nope.yaml: not built:" in result.err and "no such file" in result.err


def test_worker_killed_mid_write_leaves_no_partial_pdf(
    ten_small_specs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker writing bank3's PDF dies after writing half of it, before the rename."""
    ten_specs = ten_small_specs
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


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_stale_parts_are_removed(tmp_path: Path) -> None:
    # Temp names carry the writer's process id since round two (issue 10): the clean-up
    # removes only what a dead process left.
    dead = dead_pid()
    (tmp_path / f".bank1.pdf.{dead}.abc123.part").write_bytes(b"%PDF-1.7 trunc")
    (tmp_path / f".other.pdf.{dead}.abc.part").write_bytes(b"not ours")
    remove_stale_parts(tmp_path, [Path("specs/bank1.yaml")])
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".other.pdf.{dead}.abc.part"]


def test_a_live_process_temp_file_is_never_removed(tmp_path: Path) -> None:
    """A second build writing the same sheet right now keeps its temp file."""
    with subprocess.Popen(["sleep", "30"]) as other:
        try:
            live = tmp_path / f".bank1.pdf.{other.pid}.x1y2z3.part"
            live.write_bytes(b"%PDF-1.7 being written")
            remove_stale_parts(tmp_path, [Path("bank1.yaml")])
            assert live.exists()
        finally:
            other.kill()


@pytest.mark.parametrize(
    ("names", "clash"),
    [
        (["a/bank.yaml", "b/bank.yaml"], ("a/bank.yaml", "b/bank.yaml")),
        (["bank.yaml", "bank.yml"], ("bank.yaml", "bank.yml")),
        (["Bank.yaml", "bank.yaml"], ("Bank.yaml", "bank.yaml")),
    ],
    ids=["two-folders", "yaml-and-yml", "case"],
)
def test_sheets_that_would_share_a_path_are_refused_before_anything_is_built(
    run_cli: Callable[..., CliResult], tmp_path: Path, names: list[str], clash: tuple[str, str]
) -> None:
    for name in names:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(EXAMPLE, tmp_path / name)
    out = tmp_path / "out"
    result = run_cli("build", *(str(tmp_path / n) for n in names), "-o", str(out))
    first, second = (tmp_path / name for name in clash)
    target = out / f"{second.stem}.pdf"
    assert result.exit_code == 2
    assert result.err == (
        f"Error: {first} and {second} would both be written to {target}; nothing built "
        "(rename one, or build them into separate directories with -o)\n"
    )
    assert not out.exists()


def test_one_spec_named_twice_builds_and_counts_once(
    run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "bank.yaml").write_text(ONE_BATTERY)
    (tmp_path / "link.yaml").symlink_to(folder / "bank.yaml")
    monkeypatch.chdir(tmp_path)
    result = run_cli(
        "build",
        "specs",
        "specs/bank.yaml",
        "./specs/bank.yaml",
        "specs/../specs/bank.yaml",
        "link.yaml",
        "-o",
        "out",
        "--bom",
        "bom.csv",
    )
    assert result.exit_code == 0, result.err
    assert result.out.splitlines() == ["specs/bank.yaml: wrote out/bank.pdf", "Wrote bom.csv"]
    rows = (tmp_path / "bom.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["bank"] * len(rows)
    assert sum(row.startswith("bank,total") for row in rows) == 1


def children(pid: int) -> set[int]:
    """Processes whose parent is `pid` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def gone(pids: set[int]) -> bool:
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":
            return False
    return True


def in_their_sheets(tmp: Path, workers: int) -> bool:
    """Each of a batch's workers is laying out a sheet (or has laid one out): the renderer
    has made its font folder (weasyprint-*) in the worker's own temporary folder."""
    folders = list(tmp.glob("eg4sheet-batch-*/worker-*"))
    return len(folders) == workers and all(any(f.glob("weasyprint-*")) for f in folders)


@pytest.mark.parametrize(
    "sig, group",
    [
        (signal.SIGINT, False),
        (signal.SIGINT, True),  # Ctrl-C: the terminal signals the main process and its workers
        (signal.SIGTERM, False),
        (signal.SIGKILL, False),
    ],
    ids=["SIGINT", "ctrl-c", "SIGTERM", "SIGKILL"],
)
def test_workers_end_within_seconds_when_the_main_process_is_stopped(
    ten_specs: Path, tmp_path: Path, sig: signal.Signals, group: bool
) -> None:
    """...leaving nothing in TMPDIR (the renderer's weasyprint-* font folders included) and
    printing no traceback (a worker stopped in a finalizer printed one)."""
    out = tmp_path / "out"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    command = [
        sys.executable,
        "-m",
        "generator",
        "build",
        str(ten_specs),
        "-o",
        str(out),
        "-j",
        "2",
    ]
    # `with`: its pipes are closed and it is reaped however the test ends (a failed assertion
    # left both pipes to the garbage collector, whose ResourceWarning then failed whichever
    # test of the same worker came next).
    with subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(tmp)},
        start_new_session=group,
    ) as main:
        try:
            deadline = time.monotonic() + 60
            while len(workers := children(main.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert len(workers) == 2, "the pool did not start"
            # Stopped while both lay out a sheet: the renderer's fonts are in their folders.
            while not in_their_sheets(tmp, 2) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert in_their_sheets(tmp, 2), "the workers did not start a sheet"
            if group:
                os.killpg(main.pid, sig)
            else:
                main.send_signal(sig)
            stopped = time.monotonic()
            while not gone(workers) and time.monotonic() - stopped < 10:
                time.sleep(0.1)
            assert gone(workers), (
                f"workers still alive {time.monotonic() - stopped:.1f} s after {sig}"
            )
            assert time.monotonic() - stopped < 5
            _, err = main.communicate(timeout=30)
        finally:
            main.kill()
    if sig != signal.SIGKILL:
        assert main.returncode == 130 and err.decode().splitlines()[-1] == "Interrupted"
        assert "Traceback" not in err.decode() and "Exception ignored" not in err.decode()
    assert not [p.name for p in out.glob(".*")] if out.exists() else True
    deadline = time.monotonic() + 5  # after SIGKILL the workers clean up as they go
    while list(tmp.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(tmp.iterdir()) == []


def test_workers_keep_their_temporary_files_in_the_batch_folder(tmp_path: Path) -> None:
    """A worker's temporary files go to its own folder inside the batch's, and SIGTERM
    (how a pool is stopped) ends it on the spot instead of raising KeyboardInterrupt in it."""
    import tempfile
    from concurrent.futures import ProcessPoolExecutor

    from generator.output.batch import _warm_up

    with ProcessPoolExecutor(
        1, initializer=_warm_up, initargs=(os.getpid(), str(tmp_path))
    ) as pool:
        folder = pool.submit(tempfile.gettempdir).result()
        handler = pool.submit(signal.getsignal, signal.SIGTERM).result()
    assert Path(folder).parent == tmp_path and Path(folder).name.startswith("worker-")
    assert handler == signal.SIG_DFL


def test_a_batch_leaves_nothing_in_tmpdir(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    specs = []
    for number in range(3):
        specs.append(tmp_path / f"bank{number}.yaml")
        specs[-1].write_text(ONE_BATTERY)
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", *map(str, specs), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "built 3 of 3 sheets" in result.stderr
    assert list(tmp.iterdir()) == []


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
    spec = tmp_path / "bank.yaml"
    spec.write_text(ONE_BATTERY)
    result = run_cli("build", str(spec), "-o", str(tmp_path))
    assert result.exit_code == 0
    assert "building" not in result.err
    assert result.out == f"{spec}: wrote {tmp_path / 'bank.pdf'}\n"
