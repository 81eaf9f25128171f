"""Outputs: only a regular file or a new name is written; an output that is one of the run's
inputs or another of its outputs is refused before anything is written; a sheet is all of its
outputs or none; a full disk or a file size limit is one line and exit 2."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.errors import OutputError
from tests.helpers import EXAMPLE, ROOT, CliResult

ONE = "batteries:\n  - model: LL-S\n    firmware: Z02T12\n"
WRONG = "batteries:\n  - model: LL-V1\n  - model: LL-S\n"


def state(folder: Path) -> dict[str, str]:
    """Every path under the folder with what it is: a link's target, a file's hash, the
    kind of anything else (never opened)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        name = str(path.relative_to(folder))
        if stat.S_ISLNK(mode):
            found[name] = f"-> {os.readlink(path)}"
        elif stat.S_ISREG(mode):
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[name] = stat.filemode(mode)[0]
    return found


@pytest.fixture(scope="module")
def sheet() -> bytes:
    from generator import api

    built = api.build_sheet(api.SpecSource("bank.yaml", EXAMPLE.read_bytes()))
    assert built.pdf is not None
    return built.pdf


@pytest.fixture
def folder(tmp_path: Path, sheet: bytes, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A sheet, a spec, a catalog, company settings, a FIFO, a link to a device, a folder."""
    (tmp_path / "bank.yaml").write_text(ONE)
    (tmp_path / "s0.yaml").write_text(ONE)
    (tmp_path / "s1.yaml").write_text(ONE)
    (tmp_path / "wrong.yaml").write_text(WRONG)
    (tmp_path / "company.yaml").write_text("name: Lone Star Solar\n")
    shutil.copy(ROOT / "generator" / "bank" / "data" / "catalog.yaml", tmp_path / "catalog.yaml")
    (tmp_path / "x.pdf").write_bytes(sheet)
    for name in ("pipe", "pipe.pdf"):
        os.mkfifo(tmp_path / name)
    for name in ("full", "full.pdf"):
        (tmp_path / name).symlink_to("/dev/full")
    for name in ("null", "null.pdf"):
        (tmp_path / name).symlink_to("/dev/null")
    for name in ("dir", "dir.pdf"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


NOT_A_FILE = [
    ("pipe", "is a named pipe (FIFO)"),
    ("full", "is a character device"),
    ("null", "is a character device"),
    ("dir", "is a directory"),
]
COMMANDS = {  # the option naming the output, then the command
    "build --bom": ("--bom", "build", "bank.yaml", "-o", "out", "--bom", "{}"),
    "build -j 2 --bom": (
        "--bom",
        "build",
        "-j",
        "2",
        "s0.yaml",
        "s1.yaml",
        "-o",
        "out",
        "--bom",
        "{}",
    ),
    "build -o": ("-o", "build", "bank.yaml", "-o", "{}.pdf"),
    "extract -o": ("-o", "extract", "x.pdf", "-o", "{}"),
    "plan --fix -o": ("-o", "plan", "--fix", "wrong.yaml", "-o", "{}"),
}


@pytest.mark.parametrize("target, said", NOT_A_FILE, ids=[name for name, _ in NOT_A_FILE])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_output_that_is_not_a_regular_file_is_refused(
    run_cli: Callable[..., CliResult], folder: Path, command: str, target: str, said: str
) -> None:
    """A device, a FIFO (looked at, never opened: no hang) or a folder: exit 2, untouched."""
    before = state(folder)
    option, *template = COMMANDS[command]
    args = [arg.format(target) for arg in template]
    result = run_cli(*args)
    named = args[args.index(option) + 1]
    assert result.exit_code == 2, result.err
    if target == "dir" and command != "build -o":  # click refuses it first, in its words
        assert f"File '{named}' is a directory." in result.err
    else:
        assert result.err == (
            f"Error: {option} {named}: {said}; eg4sheet writes only to a regular file or a new "
            "name; nothing written\n"
        )
    assert state(folder) == before


CLASHES = [
    (("build", "bank.yaml", "--bom", "bank.yaml"), "--bom bank.yaml is the spec bank.yaml"),
    (("extract", "x.pdf", "-o", "x.pdf"), "-o x.pdf is the sheet x.pdf"),
    (("extract", "x.pdf", "-o", "./x.pdf"), "-o x.pdf is the sheet x.pdf"),
    (
        ("build", "-j", "2", "s0.yaml", "s1.yaml", "-o", "out", "--bom", "out/s0.pdf"),
        "--bom out/s0.pdf is also the sheet out/s0.pdf of s0.yaml",
    ),
    (
        ("build", "bank.yaml", "-o", "out", "--html", "--bom", "out/bank.html"),
        "--bom out/bank.html is also the sheet out/bank.html of bank.yaml",
    ),
    (
        ("build", "bank.yaml", "--company", "company.yaml", "--bom", "company.yaml"),
        "--bom company.yaml is the company settings company.yaml",
    ),
    (
        ("build", "bank.yaml", "--catalog", "catalog.yaml", "-o", "out", "--bom", "catalog.yaml"),
        "--bom catalog.yaml is the catalog catalog.yaml",
    ),
    (
        ("plan", "--fix", "wrong.yaml", "--catalog", "catalog.yaml", "-o", "catalog.yaml"),
        "-o catalog.yaml is the catalog catalog.yaml",
    ),
    (("build", "bank.yaml", "-o", "s0.pdf", "--bom", "s0.pdf"), "--bom s0.pdf is also -o s0.pdf"),
]


@pytest.mark.parametrize("args, said", CLASHES, ids=[" ".join(args) for args, _ in CLASHES])
def test_an_output_that_is_an_input_or_another_output_is_refused_before_anything_is_written(
    run_cli: Callable[..., CliResult], folder: Path, args: tuple[str, ...], said: str
) -> None:
    before = state(folder)
    result = run_cli(*args)
    assert result.exit_code == 2, result.err
    assert result.err.endswith(f"Error: {said}, which this run reads; nothing written\n") or (
        result.err.endswith(f"Error: {said}; nothing written\n")
    ), result.err
    assert state(folder) == before


def test_a_link_to_an_input_is_the_input(run_cli: Callable[..., CliResult], folder: Path) -> None:
    (folder / "alias.csv").symlink_to("bank.yaml")
    os.link(folder / "s0.yaml", folder / "hard.csv")
    before = state(folder)
    for target, spec in (("alias.csv", "bank.yaml"), ("hard.csv", "s0.yaml")):
        result = run_cli("build", spec, "-o", "out", "--bom", target)
        assert result.exit_code == 2
        assert f"--bom {target} is the spec {spec}, which this run reads" in result.err
    assert state(folder) == before


def limited(megabytes: float) -> Callable[[], None]:
    def limit() -> None:
        size = int(megabytes * 1_000_000)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.parametrize(
    "limit, extra, said",
    [
        (0.02, (), "temporary files in "),  # the renderer's fonts hit it first
        (0.1, ("--html",), "out/bank.html: cannot be written"),
    ],
    ids=["fonts", "html"],
)
def test_a_file_size_limit_is_one_line_and_exit_2(
    folder: Path, limit: float, extra: tuple[str, ...], said: str
) -> None:
    """`ulimit -f`: the write fails with EFBIG (Python ignores SIGXFSZ); no sheet is left,
    neither its PDF nor its HTML."""
    tmp = folder / "tmp"
    tmp.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "bank.yaml", "-o", "out", *extra],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**os.environ, "TMPDIR": str(tmp)},
        preexec_fn=limited(limit),
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("bank.yaml: not built: ") and said in line, line
    assert line.endswith(": it would pass the file size limit set with ulimit -f"), line
    assert not (folder / "out").exists() or list((folder / "out").iterdir()) == []


def test_a_full_disk_leaves_no_part_of_the_sheet(
    run_cli: Callable[..., CliResult], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTML cannot be written: the PDF (written first) is not left either."""
    real_fsync = os.fsync

    def full_for_html(descriptor: int) -> None:
        if os.readlink(f"/proc/self/fd/{descriptor}").split("/")[-1].startswith(".bank.html."):
            raise OSError(28, "No space left on device")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", full_for_html)
    result = run_cli("build", "bank.yaml", "-o", "out", "--html")
    assert result.exit_code == 2
    assert (
        result.err == "bank.yaml: not built: out/bank.html: cannot be written: the disk is full\n"
    )
    assert not (folder / "out").exists()  # nor the folder made for them


def test_a_bill_of_materials_that_cannot_be_written_takes_the_sheets_with_it(
    run_cli: Callable[..., CliResult], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator.output import batch

    def full(target: Path, content: bytes) -> Path:
        raise OutputError(f"{target}: cannot be written: the disk is full")

    monkeypatch.setattr(batch, "write_atomic", full)
    (folder / "out").mkdir()
    (folder / "out" / "s0.pdf").write_bytes(b"an older sheet")
    result = run_cli("build", "s0.yaml", "s1.yaml", "-j", "1", "-o", "out", "--bom", "bom.csv")
    assert result.exit_code == 2
    assert result.err.splitlines()[-3:] == [
        "s1.yaml: not built: removed again: the bill of materials could not be written",
        "Error: bom.csv: cannot be written: the disk is full",
        result.err.splitlines()[-1],
    ]
    assert "built 0 of 2 sheets" in result.err and "wrote" not in result.out + result.err
    assert list((folder / "out").iterdir()) == [] and not (folder / "bom.csv").exists()


def test_an_interruption_in_a_finalizer_is_not_lost_nor_printed(
    run_cli: Callable[..., CliResult], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the renderer's FontConfiguration.__del__ runs: Python would print
    'Exception ignored in …' with a traceback and carry on building; it stops instead."""
    import gc

    from generator.output import batch

    class Finalized:
        def __del__(self) -> None:
            raise KeyboardInterrupt

    real_build_one = batch.build_one

    def build_one(*args: object, **kwargs: object) -> object:
        Finalized()
        gc.collect()
        return real_build_one(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "build_one", build_one)
    result = run_cli("build", "bank.yaml", "-o", "out")
    assert (result.exit_code, result.err.strip()) == (130, "Interrupted")
    assert not (folder / "out").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "bank.yaml", "--format", "json"),
        ("schema",),
        ("extract", "x.pdf"),
        ("plan", "--fix", "wrong.yaml"),
    ],
    ids=lambda args: " ".join(args),
)
def test_standard_output_cut_by_a_file_size_limit_is_exit_2(
    folder: Path, args: tuple[str, ...]
) -> None:
    """Python's buffered writer takes a short write as done: `eg4sheet schema > f` under
    `ulimit -f 1` left the first 1024 bytes and exit 0 (here: 20 bytes)."""
    with (folder / "out.txt").open("wb") as out:
        result = subprocess.run(
            [sys.executable, "-m", "generator", *args],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            cwd=folder,
            preexec_fn=limited(0.000_02),  # 20 bytes
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "Error: cannot write to standard output (it would pass the file size limit set with "
        "ulimit -f)"
    )
