"""Every file eg4sheet reads is a regular file under a cap, opened without blocking; the logo
is decoded before a sheet shows it; a drawing-cache entry cannot change a sheet."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.company import load_company
from generator.errors import CompanyError, UnreadableFile
from tests.helpers import EXAMPLE, CliResult

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
SVG += 'viewBox="0 0 10 10">{}</svg>'


def png(width: int, height: int) -> bytes:
    from PIL import Image

    image = Image.new("1", (width, height))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims these dimensions: its header, no pixels (a decompression bomb's
    first bytes)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def noise() -> bytes:
    """A PNG whose pixel data is large enough to cut short."""
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((200, 200), 60).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("command", "what"),
    [
        (["validate", "{f}"], "spec file"),
        (["plan", "--fix", "{f}"], "spec file"),
        (["models", "--catalog", "{f}"], "catalog file"),
        (["build", str(EXAMPLE), "-o", "{d}/out", "--company", "{f}"], "company settings file"),
        (["extract", "{f}"], "sheet file"),
    ],
    ids=["spec", "fix", "catalog", "company", "extract"],
)
@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda path: os.mkfifo(path), "a named pipe (FIFO)"),
        (lambda path: path.symlink_to("/dev/zero"), "a character device"),
        (lambda path: path.mkdir(), "a directory"),
    ],
    ids=["fifo", "dev-zero", "directory"],
)
def test_an_input_that_is_not_a_regular_file_is_refused_at_once(
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
    command: list[str],
    what: str,
    make: Callable[[Path], None],
    kind: str,
) -> None:
    target = tmp_path / "input.yaml"
    make(target)
    args = [arg.replace("{f}", str(target)).replace("{d}", str(tmp_path)) for arg in command]
    result = run_cli(*args)
    assert result.exit_code == 2, result.err
    ours = f"{target}: is {kind}, not a {what}"
    clicks = f"File '{target}' is a directory."  # options that take a file say so first
    assert ours in result.err or (kind == "a directory" and clicks in result.err), result.err
    assert "Traceback" not in result.err and not (tmp_path / "out").exists()


def test_a_default_company_file_that_is_a_fifo_is_not_ignored(
    run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.mkfifo(tmp_path / "eg4sheet.yaml")
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", str(EXAMPLE), "-o", "out")
    assert result.exit_code == 2
    assert "eg4sheet.yaml: is a named pipe (FIFO), not a company settings file" in result.err
    assert not (tmp_path / "out").exists()


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Callable[[str, bytes | None], Path]]:
    """Company settings naming the logo file `name`, with these bytes (None: make nothing)."""

    def make(name: str, data: bytes | None) -> Path:
        if data is not None:
            (tmp_path / name).write_bytes(data)
        path = tmp_path / "company.yaml"
        path.write_text(f"name: Lone Star Solar\nlogo: {name}\n")
        return path

    yield make


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("logo.png", b"not an image at all", "the logo is neither a PNG nor a JPEG image"),
        ("logo.png", None, "no such file"),
        ("logo.png", noise()[:-300], "the logo is not a readable PNG or JPEG image"),
        ("logo.png", png(9000, 40), "the logo is 9000 × 40 pixels; at most 2500 a side"),
        ("logo.png", png_header(40000, 40000), "the logo has too many pixels"),
        ("logo.png", b"\x89PNG" + b"\0" * 2_100_000, "is larger than 2 MB, too large for a logo"),
        ("logo.svg", b"root:x:0:0:root:/root:/bin/bash\n", "it is not valid SVG"),
        ("logo.svg", b"<html><body/></html>", "it is not an SVG image (its root is <html>)"),
        (
            "logo.svg",
            SVG.format('<g id="a"/>' + "".join(f'<use href="#a" id="u{n}"/>' for n in range(9))),
            "it contains a <use> element",
        ),
        ("logo.svg", SVG.format("<script>alert(1)</script>"), "it contains a script"),
        ("logo.svg", SVG.format('<rect onclick="x()"/>'), "a script (the onclick attribute)"),
        (
            "logo.svg",
            SVG.format('<image xlink:href="file:///etc/passwd"/>'),
            "it contains an embedded image",
        ),
        (
            "logo.svg",
            SVG.format('<linearGradient id="g" href="http://example.com/x.svg#g"/>'),
            "it refers to something outside the drawing ('http://example.com/x.svg#g')",
        ),
        (
            "logo.svg",
            SVG.format('<rect style="fill: url(file:///etc/passwd)"/>'),
            "it refers to something outside the drawing ('file:///etc/passwd')",
        ),
        (
            "logo.svg",
            SVG.format("<style>@import url(x.css);</style>"),
            "its style refers to something outside the drawing ('@import')",
        ),
        (
            "logo.svg",
            '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            + SVG.format("<text>&b;</text>"),
            "it declares a DOCTYPE (entities)",
        ),
        ("logo.svg", SVG.format("<g>" * 100 + "</g>" * 100), "levels"),
        ("logo.gif", b"GIF89a", "a logo must be PNG, JPEG or SVG"),
    ],
    ids=[
        "not-an-image",
        "missing",
        "truncated",
        "too-wide",
        "pixel-bomb",
        "too-large-file",
        "system-file-as-svg",
        "html-as-svg",
        "nested-use",
        "script",
        "event-handler",
        "image-reference",
        "external-href",
        "external-url-in-style",
        "css-import",
        "entities",
        "too-deep",
        "gif",
    ],
)
def test_a_logo_that_cannot_be_shown_is_an_error(
    settings: Callable[[str, bytes | None], Path],
    tmp_path: Path,
    name: str,
    data: str | bytes | None,
    reason: str,
) -> None:
    path = settings(name, data.encode() if isinstance(data, str) else data)
    with pytest.raises((CompanyError, UnreadableFile)) as refused:
        load_company(path)
    assert reason in str(refused.value)
    assert str(refused.value).startswith(str(tmp_path / name))


def test_good_logos_are_kept(settings: Callable[[str, bytes | None], Path]) -> None:
    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(jpeg, "JPEG")
    cases = [
        ("logo.png", png(2500, 10), "data:image/png;base64,"),
        ("logo.jpg", jpeg.getvalue(), "data:image/jpeg;base64,"),
        ("photo.png", jpeg.getvalue(), "data:image/jpeg;base64,"),  # named by content
        (
            "logo.svg",
            SVG.format(
                '<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="5" height="5"/>'
            ).encode(),
            "data:image/svg+xml;base64,",
        ),
    ]
    for name, data, start in cases:
        company = load_company(settings(name, data))
        assert company.logo_url is not None and company.logo_url.startswith(start), name


def test_a_bad_logo_stops_the_build_before_anything_is_written(
    run_cli: Callable[..., CliResult],
    settings: Callable[[str, bytes | None], Path],
    tmp_path: Path,
) -> None:
    path = settings("logo.png", b"GIF89a pretending")
    result = run_cli("build", str(EXAMPLE), "-o", str(tmp_path / "out"), "--company", str(path))
    assert result.exit_code == 2
    assert result.err == (
        f"Error: {tmp_path / 'logo.png'}: the logo is neither a PNG nor a JPEG image\n"
    )
    assert not (tmp_path / "out").exists()


# --- the drawing cache -------------------------------------------------------------------

CACHE_SPEC = "batteries:\n  - model: LL-S\n  - model: LL-V2 (4 DIP)\n  - model: LL-V1\n"


def sheet_html(spec: Path) -> str:
    """The sheet's HTML, its DIP drawings taken from the cache on disk (not from memory)."""
    from generator import api
    from generator.sheet.figures.dip import dip_svg
    from generator.sheet.render import render_html

    dip_svg.cache_clear()
    analysis = api.check(api.read_spec(spec)).analysis
    assert analysis is not None
    return render_html(analysis, spec.name)


def swap(first: Path, second: Path) -> None:
    one, two = first.read_bytes(), second.read_bytes()
    first.write_bytes(two)
    second.write_bytes(one)


def replace_with(make: Callable[[Path], None]) -> Callable[[Path, Path], None]:
    def tamper(first: Path, second: Path) -> None:
        first.unlink()
        make(first)

    return tamper


TAMPERING = {
    "swapped": swap,
    "truncated": lambda first, _: first.write_bytes(first.read_bytes()[:300]),
    "emptied": lambda first, _: first.write_bytes(b""),
    "huge": lambda first, _: first.write_bytes(first.read_bytes() + b" " * 1_100_000),
    "symlink": replace_with(lambda path: path.symlink_to("/etc/passwd")),
    "symlink-to-entry": lambda first, second: replace_with(lambda p: p.symlink_to(second))(
        first, second
    ),
    "fifo": replace_with(lambda path: os.mkfifo(path)),
    "directory": replace_with(lambda path: path.mkdir()),
    "not-utf8": lambda first, _: first.write_bytes(b"\xff\xfe" + first.read_bytes()),
}


@pytest.mark.slow  # draws DIP blocks with matplotlib
@pytest.mark.parametrize("how", list(TAMPERING))
def test_a_tampered_cache_entry_cannot_change_the_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setenv("EG4SHEET_CACHE", str(tmp_path / "cache"))
    spec = tmp_path / "bank.yaml"
    spec.write_text(CACHE_SPEC)
    honest = sheet_html(spec)
    entries = sorted((tmp_path / "cache").glob("dip-*.svg"))
    assert len(entries) == 3
    tamper: Callable[[Path, Path], object] = TAMPERING[how]
    tamper(entries[0], entries[1])
    assert sheet_html(spec) == honest
    assert "root:x:0" not in honest
    if how != "directory":  # drawn again and stored again, sealed
        assert entries[0].is_file() and not entries[0].is_symlink()
        assert sheet_html(spec) == honest


@pytest.fixture
def forged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, str]:
    """A cache folder with this bank's drawings, two of them swapped and sealed again, as
    anyone who can write the folder can (the seal is a hash of the key and the drawing, both
    known): the spec, the folder, and the honest sheet."""
    from generator.sheet.figures import cache

    folder = tmp_path / "cache"
    monkeypatch.setenv("EG4SHEET_CACHE", str(folder))
    spec = tmp_path / "bank.yaml"
    spec.write_text(CACHE_SPEC)
    digests: dict[Path, str] = {}
    real_read = cache._read

    def read(path: Path, digest: str) -> str | None:
        digests[path] = digest
        return real_read(path, digest)

    monkeypatch.setattr(cache, "_read", read)
    honest = sheet_html(spec)
    first, second = sorted(folder.glob("dip-*.svg"))[:2]
    drawings = [path.read_text().partition("\n")[2] for path in (first, second)]
    first.write_text(f"{cache._seal(digests[first], drawings[1])}\n{drawings[1]}")
    second.write_text(f"{cache._seal(digests[second], drawings[0])}\n{drawings[0]}")
    return spec, folder, honest


@pytest.mark.slow  # draws DIP blocks with matplotlib
def test_a_forged_entry_in_a_shared_cache_folder_cannot_change_the_sheet(
    forged: tuple[Path, Path, str],
) -> None:
    from generator.sheet.figures.cache import cache_problem

    spec, folder, honest = forged
    folder.chmod(0o700)
    assert sheet_html(spec) != honest  # the forgery is real: its owner's own folder takes it
    for mode in (0o777, 0o770, 0o755 | 0o002):
        folder.chmod(mode)
        assert sheet_html(spec) == honest
        assert cache_problem() == (
            f"drawing cache {folder} not used: other users can write to it "
            f"(mode {mode:o}); use a folder of your own"
        )


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="making a file another user's needs root")
def test_a_cache_folder_or_entry_of_another_user_is_not_used(
    forged: tuple[Path, Path, str],
) -> None:
    from generator.sheet.figures.cache import cache_problem

    spec, folder, honest = forged
    folder.chmod(0o700)
    for entry in folder.glob("dip-*.svg"):
        os.chown(entry, 4242, 4242)
    assert sheet_html(spec) == honest
    os.chown(folder, 4242, 4242)
    assert sheet_html(spec) == honest
    assert (
        cache_problem() == f"drawing cache {folder} not used: it belongs to another user (uid 4242)"
    )


@pytest.mark.slow
def test_a_cache_entry_others_can_write_is_not_read(forged: tuple[Path, Path, str]) -> None:
    spec, folder, honest = forged
    folder.chmod(0o700)
    for entry in folder.glob("dip-*.svg"):
        entry.chmod(0o666)
    assert sheet_html(spec) == honest


def html_and_compiled(spec: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str]]:
    """The sheet's HTML from new template environments (as a new process has), and the
    templates Jinja had to compile for it (the rest came from the cache on disk)."""
    import jinja2

    from generator.sheet import render

    compiled: list[str] = []
    real = jinja2.Environment.compile

    def compile(self: jinja2.Environment, source: str, name: str | None = None, *args: Any) -> Any:
        compiled.append(name or "")
        return real(self, source, name, *args)

    monkeypatch.setattr(jinja2.Environment, "compile", compile)
    render.environment.cache_clear()
    try:
        return sheet_html(spec), compiled
    finally:
        render.environment.cache_clear()
        monkeypatch.setattr(jinja2.Environment, "compile", real)


TEMPLATE_DAMAGE = {
    "kept": None,
    "truncated": lambda entry: entry.write_bytes(entry.read_bytes()[:40]),
    "emptied": lambda entry: entry.write_bytes(b""),
    "garbage": lambda entry: entry.write_bytes(os.urandom(2000)),
    "huge": lambda entry: entry.write_bytes(entry.read_bytes() + b"\0" * 1_100_000),
    "others-can-write": lambda entry: entry.chmod(0o666),
    "directory": lambda entry: (entry.unlink(), entry.mkdir()),
    "symlink": lambda entry: (entry.unlink(), entry.symlink_to("/etc/passwd")),
}


@pytest.mark.slow  # draws DIP blocks with matplotlib
@pytest.mark.parametrize("damage", list(TEMPLATE_DAMAGE))
def test_compiled_templates_are_kept_and_a_damaged_one_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("EG4SHEET_CACHE", str(folder))
    spec = tmp_path / "bank.yaml"
    spec.write_text(CACHE_SPEC)
    honest, compiled = html_and_compiled(spec, monkeypatch)
    entries = sorted(folder.glob("template-*.bin"))
    assert "sheet.html" in compiled and len(entries) == len(compiled)
    assert {stat.S_IMODE(entry.stat().st_mode) for entry in entries} == {0o600}
    harm = TEMPLATE_DAMAGE[damage]
    if harm is not None:
        for entry in entries:
            harm(entry)
    html, compiled_again = html_and_compiled(spec, monkeypatch)
    assert html == honest
    assert compiled_again == ([] if harm is None else compiled)


@pytest.mark.slow
def test_the_default_cache_is_created_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EG4SHEET_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    spec = tmp_path / "bank.yaml"
    spec.write_text(CACHE_SPEC)
    sheet_html(spec)
    folder = tmp_path / "xdg" / "eg4sheet"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    entries = list(folder.glob("dip-*.svg"))
    assert entries and {stat.S_IMODE(entry.stat().st_mode) for entry in entries} == {0o600}


def test_a_shared_cache_folder_is_named_in_one_line(
    run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("EG4SHEET_CACHE", str(shared))
    spec = tmp_path / "bank.yaml"
    spec.write_text("batteries:\n  - model: LL-S\n    firmware: Z02T12\n")
    result = run_cli("build", str(spec), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert result.err == (
        f"Note: drawing cache {shared} not used: other users can write to it (mode 777); "
        "use a folder of your own\n"
    )
    assert list(shared.iterdir()) == []
