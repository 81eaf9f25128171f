"""The hostile corpus beyond spec text: catalogs, company settings, logos, the drawing cache,
batches, `plan --fix` and `extract`, and spec files that are not files at all.

Each scenario makes its files in an empty folder, runs one eg4sheet command there, and
states the documented exit code, a piece of what the user must be told, and the only files
the run may leave behind (anything else new, or any pre-existing file changed, is a partial
or wrong output). tests/hostile_run.py runs them all; tests/test_hostile.py checks them.
"""

from __future__ import annotations

import functools
import os
import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from tests.helpers import EXAMPLE
from tests.hostile_corpus import CASES

Setup = Callable[[Path], None]
ROOT = EXAMPLE.parent.parent
CATALOG = (ROOT / "generator" / "bank" / "data" / "catalog.yaml").read_text()
GOOD = "batteries:\n  - model: LL-S\n    firmware: Z02T12\n  - model: LL-V1\n"
SMALL = EXAMPLE.read_text()


class Scenario(NamedTuple):
    name: str
    area: str  # spec | text | catalog | company | logo | cache | batch | output | fix | extract
    setup: Setup
    args: tuple[str, ...]  # run in the scenario's folder
    exit_code: int
    message: str  # must appear in what the user is told (stdout and stderr)
    outputs: tuple[str, ...] = ()  # the only paths the run may create or change
    file_limit: int | None = None  # bytes: RLIMIT_FSIZE while it runs (`ulimit -f`)


# --- making files ------------------------------------------------------------------------


def files(named: dict[str, bytes | str]) -> Setup:
    def setup(folder: Path) -> None:
        for name, content in named.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode() if isinstance(content, str) else content)

    return setup


def steps(*parts: Setup) -> Setup:
    def setup(folder: Path) -> None:
        for part in parts:
            part(folder)

    return setup


def fifo(name: str) -> Setup:
    def setup(folder: Path) -> None:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(folder / name)

    return setup


def link(name: str, target: str) -> Setup:
    def setup(folder: Path) -> None:
        (folder / name).symlink_to(target)

    return setup


def directory(name: str) -> Setup:
    def setup(folder: Path) -> None:
        (folder / name).mkdir(parents=True)

    return setup


def sparse(name: str, size: int) -> Setup:
    def setup(folder: Path) -> None:
        with (folder / name).open("wb") as handle:
            handle.truncate(size)

    return setup


def spec(text: str, name: str = "bank.yaml") -> Setup:
    return files({name: text})


def battery(extra: str) -> str:
    return f"batteries:\n  - model: LL-S\n    {extra}\n"


# --- catalogs, company settings, logos ---------------------------------------------------


def catalog(old: str, new: str) -> Setup:
    assert old in CATALOG, old
    return steps(spec(GOOD), files({"catalog.yaml": CATALOG.replace(old, new, 1)}))


def company(logo: str | None, data: bytes | str | None = None, extra: str = "") -> Setup:
    text = "name: Lone Star Solar\n" + extra + (f"logo: {logo}\n" if logo else "")
    made: dict[str, bytes | str] = {"company.yaml": text, "bank.yaml": GOOD}
    if logo and data is not None:
        made[logo] = data
    return files(made)


def png(width: int, height: int, body: bytes = b"") -> bytes:
    """A PNG with this header and these IDAT bytes (none: a header only)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = chunk(b"IDAT", body) if body else b""
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idat + chunk(b"IEND", b"")


def deflated(block: bytes, count: int, tail: bytes = b"") -> bytes:
    """zlib data of `block` * `count` + `tail`, with `block` deflated once: a full flush ends
    its deflate blocks on a byte boundary with nothing referring back, so that output stands
    again as often as the block repeats (the tall PNG's 150 MB took 0.6 s of CPU to deflate,
    now 0.07 s, most of it the checksum). Never the whole inflated data in memory."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate: header and check below
    once = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    last = packer.compress(tail) + packer.flush()  # the final block
    check = 1
    for _ in range(count):
        check = zlib.adler32(block, check)
    check = zlib.adler32(tail, check)
    return b"\x78\xda" + once * count + last + struct.pack(">I", check)


@functools.cache
def tall_png(width: int = 1, height: int = 49_999_999) -> bytes:
    """A 16-bit grey PNG of 1 x 49,999,999 pixels in 146 kB: just under the pixel limit,
    100 MB of pixels once decoded (and far more on the way), deflated a million rows at a time
    (`deflated`; bytes, made once a process: nothing can change it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0)
    row = bytes(1 + 2 * width)
    rows = 1_000_000
    idat = chunk(b"IDAT", deflated(row * rows, height // rows, row * (height % rows)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idat + chunk(b"IEND", b"")


def small_png() -> bytes:
    rows = b"".join(b"\0" + bytes(range(16)) for _ in range(16))
    return png(16, 16, zlib.compress(rows))


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'


def nested_use(levels: int) -> str:
    """A few hundred bytes that expand to 10**levels shapes: each group uses the last ten."""
    parts = ['<g id="l0"><rect width="1" height="1"/></g>']
    for level in range(1, levels):
        uses = "".join(f'<use href="#l{level - 1}"/>' for _ in range(10))
        parts.append(f'<g id="l{level}">{uses}</g>')
    return SVG.format("".join(parts))


BUILD_WITH_COMPANY = ("build", "bank.yaml", "-o", "out", "--company", "company.yaml")


# --- sheets to extract from ----------------------------------------------------------------


@functools.cache
def sheet() -> bytes:
    """One real sheet, built once per process (prepare() builds it before timing starts)."""
    from generator import api

    built = api.build_sheet(api.SpecSource("bank.yaml", EXAMPLE.read_bytes()))
    assert built.pdf is not None
    return built.pdf


STREAM = re.compile(rb"<</Type /EmbeddedFile.*?/Length (\d+)>>\nstream\n", re.DOTALL)


def with_stream(pdf: bytes, stored: bytes) -> bytes:
    """The sheet with its embedded file's stream replaced, stored size and checksum kept."""
    found = STREAM.search(pdf)
    assert found is not None
    length = int(found.group(1))
    header = found.group(0).replace(b"/Length %d" % length, b"/Length %d" % len(stored))
    return pdf[: found.start()] + header + stored + pdf[found.end() + length :]


def attached() -> bytes:
    pdf = sheet()
    found = STREAM.search(pdf)
    assert found is not None
    return zlib.decompress(pdf[found.end() : found.end() + int(found.group(1))])


def zeros(count: int) -> bytes:
    """`count` zero bytes, deflated (`deflated`: a megabyte deflated once, never all in
    memory)."""
    block = bytes(1_000_000)
    return deflated(block, count // len(block), bytes(count % len(block)))


def pdf_file(make: Callable[[], bytes]) -> Setup:
    def setup(folder: Path) -> None:
        (folder / "sheet.pdf").write_bytes(make())

    return setup


def tiny_pdf(objects: list[bytes]) -> bytes:
    """A PDF of these objects (1 is the catalog), with a correct cross-reference table."""
    out = b"%PDF-1.7\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def many_attachments(count: int) -> bytes:
    names = b" ".join(b"(file%d.txt) 3 0 R" % n for n in range(count))
    return tiny_pdf(
        [
            b"<</Type /Catalog/Pages 2 0 R/Names <</EmbeddedFiles <</Names [" + names + b"]>>>>>>",
            b"<</Type /Pages/Kids []/Count 0>>",
            b"<</Type /Filespec/F (x.txt)/EF <</F 4 0 R>>>>",
            b"<</Type /EmbeddedFile/Length 1>>\nstream\nx\nendstream",
        ]
    )


def deep_nesting(levels: int) -> bytes:
    return tiny_pdf([b"<</Type /Catalog/Deep " + b"[" * levels + b"]" * levels + b">>"])


# --- the drawing cache -----------------------------------------------------------------------


@functools.cache
def drawn() -> tuple[tuple[str, bytes, str], ...]:
    """GOOD's drawings as the cache stores them (file name, bytes, the key's digest), drawn
    once per process into a cache folder of their own: every cache scenario starts from a copy
    of that folder, not from drawing the same two blocks again."""
    import tempfile

    from generator import api
    from generator.sheet.figures import cache
    from generator.sheet.figures.dip import dip_svg

    checked = api.check(api.SpecSource("bank.yaml", GOOD.encode()))
    assert checked.plan is not None
    digests: dict[str, str] = {}
    real_seal = cache._seal

    def seal(digest: str, text: str) -> str:
        digests[digest[:24]] = digest
        return real_seal(digest, text)

    setting = os.environ.get("EG4SHEET_CACHE")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["EG4SHEET_CACHE"] = folder
        dip_svg.cache_clear()
        cache._seal = seal
        try:
            for planned in checked.plan.batteries:
                assert planned.dip is not None
                dip_svg(planned.dip, planned.model.dip.on_side)
        finally:
            cache._seal = real_seal
            dip_svg.cache_clear()
            if setting is None:
                del os.environ["EG4SHEET_CACHE"]
            else:
                os.environ["EG4SHEET_CACHE"] = setting
        return tuple(
            (entry.name, entry.read_bytes(), digests[entry.stem.split("-", 1)[1]])
            for entry in sorted(Path(folder).glob("dip-*.svg"))
        )


def drawn_cache(folder: Path) -> list[Path]:
    """`folder`/cache as a build leaves it after drawing GOOD's blocks (a private folder,
    private entries); its entries, sorted."""
    (folder / "cache").mkdir(mode=0o700)
    entries = []
    for name, data, _ in drawn():
        entry = folder / "cache" / name
        entry.write_bytes(data)
        entry.chmod(0o600)
        entries.append(entry)
    return entries


def cache(tamper: Callable[[list[Path]], None]) -> Setup:
    """A cache folder with this bank's drawings in it, then tampered with."""

    def setup(folder: Path) -> None:
        (folder / "bank.yaml").write_text(GOOD)
        tamper(drawn_cache(folder))

    return setup


def swap(entries: list[Path]) -> None:
    first, second = entries[0].read_bytes(), entries[1].read_bytes()
    entries[0].write_bytes(second)
    entries[1].write_bytes(first)


def replaced(make: Callable[[Path], None]) -> Callable[[list[Path]], None]:
    def tamper(entries: list[Path]) -> None:
        entries[0].unlink()
        make(entries[0])

    return tamper


BUILT = ("out", "out/bank.pdf")

# --- the scenarios -------------------------------------------------------------------------

SPEC: list[Scenario] = [
    Scenario("spec-fifo", "spec", fifo("bank.yaml"), ("validate", "bank.yaml"), 2, "named pipe"),
    Scenario(
        "spec-dev-zero",
        "spec",
        link("bank.yaml", "/dev/zero"),
        ("validate", "bank.yaml"),
        2,
        "is a character device",
    ),
    Scenario(
        "spec-directory", "spec", directory("bank.yaml"), ("validate", "bank.yaml"), 2, "directory"
    ),
    Scenario("spec-missing", "spec", spec(GOOD), ("validate", "nope.yaml"), 2, "no such file"),
    Scenario(
        "build-fifo-spec",
        "spec",
        fifo("bank.yaml"),
        ("build", "bank.yaml", "-o", "out"),
        2,
        "named pipe",
    ),
    Scenario(
        "count-octal", "spec", spec(battery("count: 010")), ("validate", "bank.yaml"), 1, "octal"
    ),
    Scenario(
        "count-sexagesimal",
        "spec",
        spec(battery("count: 1:00")),
        ("validate", "bank.yaml"),
        1,
        "base 60",
    ),
    Scenario(
        "id-huge-hex",
        "spec",
        spec(battery("id: 0x" + "f" * 5000)),
        ("validate", "bank.yaml"),
        1,
        "E002",
    ),
    Scenario(
        "count-4301-digits",
        "spec",
        spec(battery("count: " + "7" * 4301)),
        ("validate", "bank.yaml"),
        1,
        "must be from 1 to 64",
    ),
    Scenario(
        "count-empty-int-tag",
        "spec",
        spec(battery('count: !!int ""')),
        ("validate", "bank.yaml"),
        1,
        "must be a whole number",
    ),
    Scenario(
        "sexagesimal-900kb",
        "spec",
        spec(battery("count: 1" + ":59" * 300_000)),
        ("validate", "bank.yaml"),
        1,
        "E002",
    ),
    Scenario(
        "sexagesimal-everywhere-build",
        "spec",
        spec("batteries:\n" + "  - {model: LL-S, id: 1:00:00:00:00:00:00}\n" * 8),
        ("build", "--allow-errors", "bank.yaml", "-o", "out"),
        1,
        "base 60",
        BUILT,
    ),
    Scenario(
        "unknown-keys-400kb-build",
        "spec",
        spec(GOOD + "".join(f"unknown_key_{n}: value\n" for n in range(16_000))),
        ("build", "--allow-errors", "bank.yaml", "-o", "out"),
        1,
        "and 15801 more findings",
        BUILT,
    ),
    *[
        Scenario(
            f"control-{label}-in-{field}",
            "spec",
            spec(text),
            ("validate", "bank.yaml"),
            1,
            named,
        )
        for label, field, text, named in [
            ("form-feed", "title", f'job:\n  title: "a\\fb"\n{GOOD}', "a form feed"),
            ("escape", "serial", battery('serial: "\\e[31mred"'), "an escape character"),
            ("nul", "customer", f'job:\n  customer: "a\\0b"\n{GOOD}', "a NUL character"),
            ("vertical-tab", "inverter", f'inverter: "x\\vy"\n{GOOD}', "a vertical tab"),
            ("backspace", "firmware", battery('firmware: "Z02\\bT12"'), "a backspace"),
            ("fffe", "model", 'batteries:\n  - model: "LL-S\\uFFFE"\n', "a noncharacter"),
        ]
    ],
    Scenario(
        "control-characters-build",
        "spec",
        spec(f'job:\n  title: "\\f\\e\\0\\v\\b"\ninverter: "\\uFFFE"\n{GOOD}'),
        ("build", "--allow-errors", "bank.yaml", "-o", "out"),
        1,
        "a form feed",
        BUILT,
    ),
    Scenario(
        "tab-at-line-start",
        "spec",
        spec("batteries:\n\t- model: LL-S\n"),
        ("validate", "bank.yaml"),
        1,
        "line 2 starts with a tab, and YAML indents with spaces only",
    ),
    Scenario(
        "escape-in-file-name",
        "spec",
        spec(GOOD, "bank\x1b[2J.yaml"),
        ("validate", "bank\x1b[2J.yaml"),
        0,
        "bank\\x1b[2J.yaml: OK",
    ),
    Scenario(
        "inventory-4301-digits",
        "spec",
        spec(GOOD),
        ("plan", "--inventory", "9" * 4301 + "x LL-S"),
        1,
        "must be from 1 to 64",
    ),
    Scenario(
        "inventory-100k-items",
        "spec",
        spec(GOOD),
        ("plan", "--inventory", "0x LL-S, " * 100_000),
        1,
        "and 99800 more findings",
    ),
]

CATALOG_CASES: list[Scenario] = [
    Scenario(
        f"catalog-{name}",
        "catalog",
        setup,
        ("validate", "--catalog", "catalog.yaml", "bank.yaml"),
        2,
        message,
    )
    for name, setup, message in [
        ("fifo", steps(spec(GOOD), fifo("catalog.yaml")), "named pipe"),
        ("dev-zero", steps(spec(GOOD), link("catalog.yaml", "/dev/zero")), "character device"),
        ("missing", spec(GOOD), "no such file"),
        ("binary", steps(spec(GOOD), files({"catalog.yaml": bytes(range(256))})), "E001"),
        ("too-large", steps(spec(GOOD), sparse("catalog.yaml", 2_000_000)), "larger than"),
        (
            "id-range-without-1",
            catalog("id_range: [0, 15]", "id_range: [2, 15]"),
            "does not include ID 1",
        ),
        (
            "id-range-beyond-switches",
            catalog("id_range: [1, 16]", "id_range: [1, 17]"),
            "highest at most 16",
        ),
        (
            "breaker-on-signal-pin",
            catalog("breaker_pins: [3, 6]", "breaker_pins: [8]"),
            "include pin 8, which carries the battery signal",
        ),
        ("huge-rank", catalog("rank: 1", "rank: " + "1" * 5000), "rank must be from 1 to 100"),
        ("octal-rank", catalog("rank: 2", "rank: 02"), "octal"),
        (
            "infinite-volts",
            catalog("volts: 51.2", "volts: 1.0e+999"),
            "volts must be a number from 1 to 1000",
        ),
        ("escape-in-alias", catalog("aliases: [LLS,", 'aliases: ["L\\eS",'), "escape character"),
        (
            "pin-twice",
            catalog("    1: white/orange\n", "    2: white/orange\n"),
            "pin 2 appears twice",
        ),
        ("empty-models", steps(spec(GOOD), files({"catalog.yaml": "models: []\n"})), "is empty"),
        (
            "weights-wrong",
            catalog("weights: [8, 4, 2, 1]", "weights: [8, 4, 2, 2]"),
            "weights must be 1, 2, 4",
        ),
    ]
]

COMPANY: list[Scenario] = [
    Scenario(f"company-{name}", "company", setup, BUILD_WITH_COMPANY, 2, message)
    for name, setup, message in [
        ("fifo", steps(spec(GOOD), fifo("company.yaml")), "named pipe"),
        ("dev-zero", steps(spec(GOOD), link("company.yaml", "/dev/zero")), "character device"),
        ("directory", steps(spec(GOOD), directory("company.yaml")), "directory"),
        ("unknown-key", company(None, extra="logoo: x.png\n"), "unknown key 'logoo'"),
        ("escape-in-name", company(None, extra='address: "\\e]0;x\\a"\n'), "escape character"),
        ("list-value", company(None, extra="phone: [1, 2]\n"), "phone must be text"),
        ("binary", steps(spec(GOOD), files({"company.yaml": b"\xff\xfe\x00"})), "E001"),
    ]
] + [
    Scenario(
        "company-default-fifo",
        "company",
        steps(spec(GOOD), fifo("eg4sheet.yaml")),
        ("build", "bank.yaml", "-o", "out"),
        2,
        "eg4sheet.yaml: is a named pipe (FIFO), not a company settings file",
    )
]

LOGO: list[Scenario] = [
    Scenario(f"logo-{name}", "logo", setup, BUILD_WITH_COMPANY, 2, message)
    for name, setup, message in [
        ("fifo", steps(company("logo.png"), fifo("logo.png")), "named pipe"),
        ("dev-zero", steps(company("logo.png"), link("logo.png", "/dev/zero")), "character device"),
        ("directory", steps(company("logo.png"), directory("logo.png")), "directory"),
        ("missing", company("logo.png"), "no such file"),
        (
            "too-large",
            steps(company("logo.png"), sparse("logo.png", 3_000_000)),
            "larger than 2 MB",
        ),
        ("text-as-png", company("logo.png", "hello"), "neither a PNG nor a JPEG"),
        ("header-only-png", company("logo.png", png(16, 16)), "not a readable PNG or JPEG"),
        ("truncated-png", company("logo.png", small_png()[:-40]), "not a readable PNG or JPEG"),
        ("pixel-bomb", company("logo.png", png(60000, 60000)), "too many pixels"),
        ("too-wide", company("logo.png", png(5000, 10)), "5000 × 10 pixels"),
        ("system-file-as-svg", steps(company("logo.svg"), link("logo.svg", "/etc/passwd")), "SVG"),
        ("nested-use", company("logo.svg", nested_use(9)), "<use>"),
        ("script", company("logo.svg", SVG.format("<script>alert(1)</script>")), "a script"),
        ("event-handler", company("logo.svg", SVG.format('<g onload="x()"/>')), "onload"),
        (
            "external-href",
            company("logo.svg", SVG.format('<image xlink:href="file:///etc/passwd"/>')),
            "embedded image",
        ),
        (
            "external-url",
            company("logo.svg", SVG.format('<rect fill="url(http://x.test/a.svg#p)"/>')),
            "outside the drawing",
        ),
        (
            "entities",
            company(
                "logo.svg",
                '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                + SVG.format("<text>&b;&b;</text>"),
            ),
            "DOCTYPE",
        ),
        ("foreign-object", company("logo.svg", SVG.format("<foreignObject/>")), "foreignObject"),
        (
            "many-elements",
            company("logo.svg", SVG.format("<rect/>" * 6000)),
            "more than 5000 elements",
        ),
        ("gif", company("logo.gif", b"GIF89a"), "a logo must be PNG, JPEG or SVG"),
    ]
] + [
    Scenario(
        "logo-fine-png",
        "logo",
        company("logo.png", small_png()),
        BUILD_WITH_COMPANY,
        0,
        "wrote",
        BUILT,
    )
]

CACHE: list[Scenario] = [
    Scenario(
        f"cache-{name}",
        "cache",
        cache(tamper),
        ("build", "bank.yaml", "-o", "out"),
        0,
        "wrote out/bank.pdf",
        (*BUILT, *changes),
    )
    for name, tamper, changes in [
        ("swapped", swap, ("cache",)),
        (
            "truncated",
            lambda entries: entries[0].write_bytes(entries[0].read_bytes()[:200]),
            ("cache",),
        ),
        ("emptied", lambda entries: entries[0].write_bytes(b""), ("cache",)),
        (
            "symlink-to-system-file",
            replaced(lambda path: path.symlink_to("/etc/passwd")),
            ("cache",),
        ),
        ("fifo", replaced(os.mkfifo), ("cache",)),
        ("directory", replaced(lambda path: path.mkdir()), ()),
        (
            "huge",
            lambda entries: entries[0].write_bytes(entries[0].read_bytes() * 400),
            ("cache",),
        ),
    ]
]

BATCH: list[Scenario] = [
    Scenario(
        "batch-same-stem-two-folders",
        "batch",
        files({"a/bank.yaml": GOOD, "b/bank.yaml": GOOD}),
        ("build", "a/bank.yaml", "b/bank.yaml", "-o", "out", "-j", "2"),
        2,
        "would both be written to out/bank.pdf",
    ),
    Scenario(
        "batch-yaml-and-yml",
        "batch",
        files({"specs/bank.yaml": GOOD, "specs/bank.yml": GOOD}),
        ("build", "specs", "-o", "out"),
        2,
        "would both be written",
    ),
    Scenario(
        "batch-case-only",
        "batch",
        files({"Bank.yaml": GOOD, "bank.yaml": GOOD}),
        ("build", "Bank.yaml", "bank.yaml", "-o", "out"),
        2,
        "would both be written",
    ),
    Scenario(
        "batch-same-spec-four-ways",
        "batch",
        steps(spec(GOOD), link("alias.yaml", "bank.yaml")),
        ("build", "bank.yaml", "./bank.yaml", "alias.yaml", ".", "-o", "out", "--bom", "bom.csv"),
        0,
        "wrote out/bank.pdf",
        (*BUILT, "bom.csv"),
    ),
    Scenario(
        "batch-fifo-among-specs",
        "batch",
        steps(spec(GOOD), fifo("pipe.yaml")),
        ("build", "bank.yaml", "pipe.yaml", "-o", "out", "-j", "2"),
        2,
        "pipe.yaml: not built",
        BUILT,
    ),
    Scenario(
        "batch-output-is-a-file",
        "batch",
        files({"bank.yaml": GOOD, "out": "x"}),
        ("build", "bank.yaml", "-o", "out/sub"),
        2,
        "cannot write here",
    ),
    Scenario(
        "batch-sheet-over-a-spec",
        "batch",
        files({"bank.pdf": GOOD}),
        ("build", "bank.pdf", "-o", "."),
        2,
        "would overwrite a spec",
    ),
    Scenario(
        "batch-empty-folder",
        "batch",
        directory("specs"),
        ("build", "specs", "-o", "out"),
        2,
        "no .yaml spec",
    ),
]

FIX: list[Scenario] = [
    Scenario(
        f"fix-{name}",
        "fix",
        spec(text),
        ("plan", "--fix", "bank.yaml", "-o", "fixed.yaml"),
        code,
        message,
        outputs,
    )
    for name, text, code, message, outputs in [
        (
            "newline-in-firmware",
            'batteries:\n  - model: LL-V1\n    firmware: "X\\n# injected: yes"\n  - model: LL-S\n',
            1,
            "a line break",
            (),
        ),
        (
            "octal-id",
            "batteries:\n  - model: LL-V1\n    id: 010\n  - model: LL-S\n",
            1,
            "octal",
            (),
        ),
        (
            "sexagesimal-count",
            "batteries:\n  - model: LL-V1\n    count: 1:02\n  - model: LL-S\n",
            1,
            "base 60",
            (),
        ),
        (
            "huge-id",
            "batteries:\n  - model: LL-V1\n    id: " + "1" * 5000 + "\n  - model: LL-S\n",
            1,
            "must be from 0 to 64",
            (),
        ),
        (
            "escape-in-serial",
            'batteries:\n  - model: LL-V1\n    serial: "\\e[2J"\n  - model: LL-S\n',
            1,
            "escape character",
            (),
        ),
        (
            "too-large-bank",
            "batteries:\n  - {model: LL-V1, count: 17}\n",
            1,
            "nothing written",
            (),
        ),
        (
            "shared-anchor",
            "batteries:\n  - &v {model: LL-V1, id: 2}\n  - *v\n  - model: LL-S\n",
            0,
            "id 2 -> 3",
            ("fixed.yaml",),
        ),
        (
            "merge-key",
            "base: &b {model: LL-V1}\nbatteries:\n  - <<: *b\n  - model: LL-S\n",
            1,
            "unknown key 'base'",
            (),
        ),
    ]
] + [
    Scenario(
        "fix-output-is-input",
        "fix",
        spec("batteries:\n  - model: LL-V1\n  - model: LL-S\n"),
        ("plan", "--fix", "bank.yaml", "-o", "./bank.yaml"),
        2,
        "add --in-place",
    ),
    Scenario(
        "fix-output-is-link-to-input",
        "fix",
        steps(spec("batteries:\n  - model: LL-V1\n  - model: LL-S\n"), link("l.yaml", "bank.yaml")),
        ("plan", "--fix", "bank.yaml", "-o", "l.yaml"),
        2,
        "add --in-place",
    ),
    Scenario(
        "fix-in-place",
        "fix",
        spec("batteries:\n  - model: LL-V1\n  - model: LL-S\n"),
        ("plan", "--fix", "--in-place", "bank.yaml"),
        0,
        "wrote bank.yaml",
        ("bank.yaml",),
    ),
    Scenario("fix-fifo", "fix", fifo("bank.yaml"), ("plan", "--fix", "bank.yaml"), 2, "named pipe"),
    Scenario(
        "fix-output-directory",
        "fix",
        steps(spec(GOOD), directory("fixed.yaml")),
        ("plan", "--fix", "bank.yaml", "-o", "fixed.yaml"),
        2,
        "directory",
    ),
]

EXTRACT: list[Scenario] = [
    Scenario(
        f"extract-{name}",
        "extract",
        setup,
        ("extract", "sheet.pdf", "-o", "bank.yaml"),
        code,
        message,
        ("bank.yaml",) if code == 0 else (),
    )
    for name, setup, code, message in [
        ("good", pdf_file(sheet), 0, "wrote bank.yaml"),
        ("fifo", fifo("sheet.pdf"), 2, "named pipe"),
        ("dev-zero", link("sheet.pdf", "/dev/zero"), 2, "character device"),
        ("directory", directory("sheet.pdf"), 2, "directory"),
        ("too-large", sparse("sheet.pdf", 25_000_000), 2, "larger than 20 MB"),
        ("text", files({"sheet.pdf": "hello"}), 2, "not a readable PDF"),
        ("half-a-sheet", pdf_file(lambda: sheet()[: len(sheet()) // 2]), 2, "sheet.pdf"),
        (
            "spec-cut-short",
            pdf_file(lambda: with_stream(sheet(), zlib.compress(attached()[:-120]))),
            2,
            "is damaged",
        ),
        (
            "one-byte-changed",
            pdf_file(
                lambda: with_stream(sheet(), zlib.compress(attached().replace(b"LL-S", b"LL-V", 1)))
            ),
            2,
            "checksum does not match",
        ),
        (
            "stream-scrambled",
            pdf_file(lambda: with_stream(sheet(), bytes(range(256)) * 4)),
            2,
            "sheet.pdf",
        ),
        (
            "attachment-bomb",
            pdf_file(lambda: with_stream(sheet(), zeros(40_000_000))),
            2,
            "holds more data than a sheet does",
        ),
        (
            "many-attachments",
            pdf_file(lambda: many_attachments(5000)),
            2,
            "no bank spec is attached",
        ),
        ("deep-nesting", pdf_file(lambda: deep_nesting(100_000)), 2, "sheet.pdf"),
        ("empty", files({"sheet.pdf": b""}), 2, "not a readable PDF"),
    ]
]

SPEC_TEXT: list[Scenario] = [
    Scenario(
        f"text-{case.name}",
        "spec",
        files({"bank.yaml": case.data}),
        ("validate", "bank.yaml"),
        0 if case.code is None else 1,
        case.code or ": OK",
    )
    for case in CASES
]

# --- round three: outputs, invisible characters, shared caches, images and QR codes ---------

WRONG = "batteries:\n  - model: LL-V1\n  - model: LL-S\n"


def socket_file(name: str) -> Setup:
    def setup(folder: Path) -> None:
        import socket

        with socket.socket(socket.AF_UNIX) as listener:
            listener.bind(str(folder / name))

    return setup


def hard_link(name: str, target: str) -> Setup:
    def setup(folder: Path) -> None:
        os.link(folder / target, folder / name)

    return setup


def inputs_and_sheet() -> Setup:
    """A spec, a wrong spec, two batch specs, a catalog, company settings with a logo and a
    sheet to extract from: the inputs an output may not overwrite."""
    return steps(
        files(
            {
                "bank.yaml": GOOD,
                "wrong.yaml": WRONG,
                "s0.yaml": GOOD,
                "s1.yaml": GOOD,
                "catalog.yaml": CATALOG,
                "company.yaml": "name: Lone Star Solar\nlogo: logo.png\n",
                "logo.png": small_png(),
            }
        ),
        pdf_file(sheet),
    )


NOT_REGULAR = "eg4sheet writes only to a regular file or a new name; nothing written"
OUTPUT: list[Scenario] = [
    Scenario(f"output-{name}", "output", steps(inputs_and_sheet(), made), args, 2, message)
    for name, made, args, message in [
        (
            "bom-fifo",
            fifo("pipe.csv"),
            ("build", "bank.yaml", "-o", "out", "--bom", "pipe.csv"),
            f"--bom pipe.csv: is a named pipe (FIFO); {NOT_REGULAR}",
        ),
        (
            "bom-dev-full",
            link("full.csv", "/dev/full"),
            ("build", "bank.yaml", "-o", "out", "--bom", "full.csv"),
            f"--bom full.csv: is a character device; {NOT_REGULAR}",
        ),
        (
            "bom-dev-null-batch",
            link("null.csv", "/dev/null"),
            ("build", "-j", "2", "s0.yaml", "s1.yaml", "-o", "out", "--bom", "null.csv"),
            f"--bom null.csv: is a character device; {NOT_REGULAR}",
        ),
        (
            "bom-socket",
            socket_file("sock.csv"),
            ("build", "bank.yaml", "-o", "out", "--bom", "sock.csv"),
            f"--bom sock.csv: is a socket; {NOT_REGULAR}",
        ),
        (
            "pdf-fifo",
            fifo("pipe.pdf"),
            ("build", "bank.yaml", "-o", "pipe.pdf"),
            f"-o pipe.pdf: is a named pipe (FIFO); {NOT_REGULAR}",
        ),
        (
            "pdf-dev-full",
            link("full.pdf", "/dev/full"),
            ("build", "bank.yaml", "-o", "full.pdf"),
            f"-o full.pdf: is a character device; {NOT_REGULAR}",
        ),
        (
            "pdf-directory",
            directory("dir.pdf"),
            ("build", "bank.yaml", "-o", "dir.pdf"),
            f"-o dir.pdf: is a directory; {NOT_REGULAR}",
        ),
        (
            "html-fifo",
            fifo("out/bank.html"),
            ("build", "bank.yaml", "-o", "out", "--html"),
            f"the sheet out/bank.html of bank.yaml: is a named pipe (FIFO); {NOT_REGULAR}",
        ),
        (
            "batch-sheet-fifo",
            fifo("out/s1.pdf"),
            ("build", "-j", "2", "s0.yaml", "s1.yaml", "-o", "out"),
            f"the sheet out/s1.pdf of s1.yaml: is a named pipe (FIFO); {NOT_REGULAR}",
        ),
        (
            "extract-fifo",
            fifo("pipe.yaml"),
            ("extract", "sheet.pdf", "-o", "pipe.yaml"),
            f"-o pipe.yaml: is a named pipe (FIFO); {NOT_REGULAR}",
        ),
        (
            "extract-dev-full",
            link("full.yaml", "/dev/full"),
            ("extract", "sheet.pdf", "-o", "full.yaml"),
            f"-o full.yaml: is a character device; {NOT_REGULAR}",
        ),
        (
            "extract-socket",
            socket_file("sock.yaml"),
            ("extract", "sheet.pdf", "-o", "sock.yaml"),
            f"-o sock.yaml: is a socket; {NOT_REGULAR}",
        ),
        (
            "fix-fifo",
            fifo("pipe.yaml"),
            ("plan", "--fix", "wrong.yaml", "-o", "pipe.yaml"),
            f"-o pipe.yaml: is a named pipe (FIFO); {NOT_REGULAR}",
        ),
        (
            "fix-dev-full",
            link("full.yaml", "/dev/full"),
            ("plan", "--fix", "wrong.yaml", "-o", "full.yaml"),
            f"-o full.yaml: is a character device; {NOT_REGULAR}",
        ),
        (
            "fix-dev-null",
            link("null.yaml", "/dev/null"),
            ("plan", "--fix", "wrong.yaml", "-o", "null.yaml"),
            f"-o null.yaml: is a character device; {NOT_REGULAR}",
        ),
        (
            "bom-is-the-spec",
            steps(),
            ("build", "bank.yaml", "--bom", "bank.yaml"),
            "--bom bank.yaml is the spec bank.yaml, which this run reads; nothing written",
        ),
        (
            "bom-is-a-link-to-the-spec",
            link("alias.csv", "bank.yaml"),
            ("build", "bank.yaml", "-o", "out", "--bom", "alias.csv"),
            "--bom alias.csv is the spec bank.yaml, which this run reads",
        ),
        (
            "bom-is-a-hard-link-to-the-spec",
            hard_link("hard.csv", "bank.yaml"),
            ("build", "bank.yaml", "-o", "out", "--bom", "hard.csv"),
            "--bom hard.csv is the spec bank.yaml, which this run reads",
        ),
        (
            "extract-onto-its-sheet",
            steps(),
            ("extract", "sheet.pdf", "-o", "sheet.pdf"),
            "-o sheet.pdf is the sheet sheet.pdf, which this run reads; nothing written",
        ),
        (
            "extract-onto-its-sheet-via-link",
            link("copy.pdf", "sheet.pdf"),
            ("extract", "sheet.pdf", "-o", "copy.pdf"),
            "-o copy.pdf is the sheet sheet.pdf, which this run reads",
        ),
        (
            "bom-onto-a-sheet-of-the-batch",
            steps(),
            ("build", "-j", "2", "s0.yaml", "s1.yaml", "-o", "out", "--bom", "out/s0.pdf"),
            "--bom out/s0.pdf is also the sheet out/s0.pdf of s0.yaml; nothing written",
        ),
        (
            "bom-onto-the-html",
            steps(),
            ("build", "bank.yaml", "-o", "out", "--html", "--bom", "out/bank.html"),
            "--bom out/bank.html is also the sheet out/bank.html of bank.yaml",
        ),
        (
            "bom-onto-the-pdf",
            steps(),
            ("build", "bank.yaml", "-o", "x.pdf", "--bom", "x.pdf"),
            "--bom x.pdf is also -o x.pdf; nothing written",
        ),
        (
            "bom-onto-the-company-settings",
            steps(),
            ("build", "bank.yaml", "--company", "company.yaml", "--bom", "company.yaml"),
            "--bom company.yaml is the company settings company.yaml, which this run reads",
        ),
        (
            "bom-onto-the-logo",
            steps(),
            ("build", "bank.yaml", "--company", "company.yaml", "--bom", "logo.png"),
            "--bom logo.png is the logo logo.png, which this run reads",
        ),
        (
            "bom-onto-the-catalog",
            steps(),
            ("build", "bank.yaml", "--catalog", "catalog.yaml", "--bom", "catalog.yaml"),
            "--bom catalog.yaml is the catalog catalog.yaml, which this run reads",
        ),
        (
            "fix-onto-the-catalog",
            steps(),
            ("plan", "--fix", "wrong.yaml", "--catalog", "catalog.yaml", "-o", "catalog.yaml"),
            "-o catalog.yaml is the catalog catalog.yaml, which this run reads",
        ),
    ]
] + [
    Scenario(
        f"output-file-limit-{name}",
        "output",
        inputs_and_sheet(),
        args,
        2,
        "it would pass the file size limit set with ulimit -f",
        file_limit=limit,
    )
    for name, args, limit in [
        ("pdf", ("build", "bank.yaml", "-o", "out"), 20_000),
        ("html", ("build", "bank.yaml", "-o", "out", "--html"), 100_000),
        ("batch", ("build", "-j", "2", "s0.yaml", "s1.yaml", "-o", "out"), 20_000),
        ("extract", ("extract", "sheet.pdf", "-o", "back.yaml"), 100),
        ("fix", ("plan", "--fix", "wrong.yaml", "-o", "fixed.yaml"), 20),
    ]
]

INVISIBLE = "remove it: an invisible character that can make the text read differently"
TEXT: list[Scenario] = [
    Scenario(f"text-{name}", "text", spec(text), ("validate", "bank.yaml"), 1, message)
    for name, text, message in [
        (
            "rlo-in-serial",
            battery('serial: "SN-\\u202E4321\\u202C-X"'),
            "contains a right-to-left override (U+202E) at character 4",
        ),
        ("lro-in-firmware", battery('firmware: "Z02\\u202DT12"'), "a left-to-right override"),
        ("rle-in-model", 'batteries:\n  - model: "\\u202BLL-S"\n', "a right-to-left embedding"),
        ("isolate-in-quote", f'job:\n  quote: "Q-\\u20661"\n{GOOD}', "a left-to-right isolate"),
        ("rlm-in-customer", f'job:\n  customer: "Jo\\u200F"\n{GOOD}', "a right-to-left mark"),
        ("alm-in-site", f'job:\n  site: "\\u061COak"\n{GOOD}', "an Arabic letter mark"),
        ("zero-width-space-in-serial", battery('serial: "SN\\u200B1"'), "a zero-width space"),
        ("zero-width-joiner-in-title", f'job:\n  title: "A\\u200DB"\n{GOOD}', INVISIBLE),
        ("bom-in-inverter", f'inverter: "18k\\uFEFFPV"\n{GOOD}', "a zero-width no-break space"),
        ("soft-hyphen-in-installer", f'job:\n  installer: "Sun\\u00ADCo"\n{GOOD}', "a soft hyphen"),
        (
            "isolate-in-notes",
            f'job:\n  notes: "x\\u2067y\\u2069"\n{GOOD}',
            "a right-to-left isolate",
        ),
        (
            "tag-in-serial",
            battery('serial: "SN\\U000E0041"'),
            "an invisible formatting character (U+E0041)",
        ),
    ]
] + [
    Scenario(
        "text-rlo-serial-build",
        "text",
        spec(battery('serial: "SN-\\u202E4321\\u202C-X"')),
        ("build", "--allow-errors", "bank.yaml", "-o", "out"),
        1,
        "a right-to-left override (U+202E)",
        BUILT,
    ),
    Scenario(
        "text-rlo-serial-fix",
        "text",
        spec('batteries:\n  - model: LL-V1\n    serial: "\\u202E1"\n  - model: LL-S\n'),
        ("plan", "--fix", "bank.yaml", "-o", "fixed.yaml"),
        1,
        "a right-to-left override",
    ),
    Scenario(
        "text-rlo-in-file-name",
        "text",
        spec(GOOD, "bank\u202egnp.yaml"),
        ("validate", "bank\u202egnp.yaml"),
        0,
        "bank\\u202egnp.yaml: OK",
    ),
]


def forged(folder_mode: int, entry_mode: int | None = None) -> Setup:
    """A cache folder with this bank's drawings, two of them swapped and sealed again with
    the plain hash (as anyone who can write the folder can: the key's digest is no secret),
    then the folder (or its entries) opened to other users."""

    def setup(folder: Path) -> None:
        from generator.sheet.figures import cache

        (folder / "bank.yaml").write_text(GOOD)
        entries = drawn_cache(folder)[:2]
        digests = {name: digest for name, _, digest in drawn()}
        texts = [entry.read_text().partition("\n")[2] for entry in entries]
        for entry, drawing in zip(entries, reversed(texts), strict=True):
            entry.write_text(f"{cache._seal(digests[entry.name], drawing)}\n{drawing}")
        (folder / "cache").chmod(folder_mode)
        if entry_mode is not None:
            for entry in entries:
                entry.chmod(entry_mode)

    return setup


CACHE_ROUND_THREE: list[Scenario] = [
    Scenario(
        f"cache-{name}",
        "cache",
        setup,
        ("build", "bank.yaml", "-o", "out"),
        0,
        message,
        outputs,
    )
    for name, setup, message, outputs in [
        ("shared-folder-forged", forged(0o777), "not used: other users can write to it", BUILT),
        ("group-folder-forged", forged(0o770), "(mode 770); use a folder of your own", BUILT),
        (
            "forged-entries-others-can-write",
            forged(0o700, 0o666),
            "wrote out/bank.pdf",
            (*BUILT, "cache"),
        ),
    ]
]


def photo(make: Callable[[], bytes]) -> Setup:
    def setup(folder: Path) -> None:
        (folder / "photo.png").write_bytes(make())

    return setup


def png_header_of(mode: str, width: int, height: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def codes(*specs: str) -> Callable[[], bytes]:
    """A PNG of these banks' QR codes side by side, as on a desk with several sheets."""

    def make() -> bytes:
        import io

        import segno
        from PIL import Image

        from generator import api
        from generator.bank import payload

        images = []
        for text in specs:
            checked = api.check(api.SpecSource("bank.yaml", text.encode()))
            assert checked.spec is not None
            out = io.BytesIO()
            code = payload.encode(checked.spec, api.catalog())
            segno.make(code, micro=False).save(out, kind="png", scale=4, border=4)
            images.append(Image.open(io.BytesIO(out.getvalue())).convert("L"))
        width, height = sum(i.width for i in images), max(i.height for i in images)
        desk = Image.new("L", (width, height), 255)
        for number, image in enumerate(images):
            desk.paste(image, (sum(i.width for i in images[:number]), 0))
        out = io.BytesIO()
        desk.save(out, "PNG")
        return out.getvalue()

    return make


IMAGES: list[Scenario] = [
    Scenario(
        f"extract-{name}",
        "extract",
        photo(make),
        ("extract", "photo.png", "-o", "bank.yaml"),
        code,
        message,
        ("bank.yaml",) if code == 0 else (),
    )
    for name, make, code, message in [
        (
            "tall-16-bit-png",
            lambda: tall_png(),
            2,
            "the image is 1 × 49999999 pixels, no photo or scan",
        ),
        ("strip-png", lambda: tall_png(3, 3_000_000), 2, "3 × 3000000 pixels"),
        ("narrow-png", lambda: png_header_of("L", 20, 2000), 2, "20 × 2000 pixels"),
        (
            "colour-36-megapixels",
            lambda: png_header_of("RGB", 6000, 6000),
            2,
            "would take 144 MB to decode",
        ),
        ("codes-of-two-banks", codes(GOOD, WRONG), 2, "the QR codes of 2 different bank specs"),
        ("codes-of-three-banks", codes(GOOD, WRONG, SMALL), 2, "3 different bank specs"),
        ("codes-of-one-bank-twice", codes(GOOD, GOOD), 0, "wrote bank.yaml"),
    ]
]

FIX_COMMENTS: list[Scenario] = [
    Scenario(
        f"fix-comments-{name}",
        "fix",
        spec(text),
        ("plan", "--fix", "bank.yaml", "-o", "fixed.yaml"),
        0,
        "batteries reordered",
        ("fixed.yaml",),
    )
    for name, text in [
        ("between-entries", "batteries:\n  - model: LL-V1\n  # the new one\n  - model: LL-S\n"),
        ("after-the-last", "batteries:\n  - model: LL-V1\n  - model: LL-S\n  # end\n"),
    ]
]

SCENARIOS: list[Scenario] = [
    *SPEC_TEXT,
    *SPEC,
    *TEXT,
    *CATALOG_CASES,
    *COMPANY,
    *LOGO,
    *CACHE,
    *CACHE_ROUND_THREE,
    *BATCH,
    *OUTPUT,
    *FIX,
    *FIX_COMMENTS,
    *EXTRACT,
    *IMAGES,
]


def prepare() -> None:
    """Work done once, before any scenario is timed: the sheet the extract cases damage."""
    sheet()
