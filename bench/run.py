"""Benchmark: eg4sheet against the floor its libraries set, measured in one run.

Run with `./dev bench` (or `.venv/bin/python bench/run.py [--runs N]`). Every figure is the
median of N runs (default 5); every ratio compares two figures measured here, now, in turns
(one run of each, then the next round), so that a machine that drifts moves both alike.
Not part of the tests: timings belong in a benchmark, not in assertions.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent

RAW_RENDER = """
import sys, time, weasyprint
html = open(sys.argv[1]).read()
weasyprint.HTML(string=html, base_url=sys.argv[2]).write_pdf()
"""

PREPARE = """
import sys
from pathlib import Path
import weasyprint
from generator import api
from generator.sheet.render import file_font_urls, render_html
from bench.run import reference_html
spec, html_file, reference_file = sys.argv[1:4]
checked = api.check(api.read_spec(spec))
assert checked.analysis is not None
Path(html_file).write_text(render_html(checked.analysis, spec))
fonts = file_font_urls()
Path(reference_file).write_text(reference_html(fonts.regular, fonts.bold))
pages = len(weasyprint.HTML(filename=reference_file).render().pages)
assert pages == 4, f"the reference document must take 4 pages, not {pages}"
"""

WARM_OURS = """
import sys, time
from pathlib import Path
from generator.output.batch import BuildOptions, build_all
specs = sorted(Path(sys.argv[1]).glob('*.yaml'))
out = Path(sys.argv[2])
build_all(specs[:1], BuildOptions(out), jobs=1)  # warm up
start = time.perf_counter()
build_all(specs, BuildOptions(out), jobs=1)
print((time.perf_counter() - start) / len(specs))
"""

WARM_RAW = """
import sys, time, weasyprint
html = open(sys.argv[1]).read()
weasyprint.HTML(string=html, base_url=sys.argv[2]).write_pdf()  # warm up
count = int(sys.argv[3])
start = time.perf_counter()
for _ in range(count):
    weasyprint.HTML(string=html, base_url=sys.argv[2]).write_pdf()
print((time.perf_counter() - start) / count)
"""


def reference_html(font_regular: str, font_bold: str) -> str:
    """A fixed four-page document of text and tables only (no figures), in the sheet's font
    and page size: the yardstick for what one page of a sheet may cost."""
    sentence = (
        "Every battery must run its model's multipack firmware before the bank is "
        "commissioned; the installer writes the version it runs and ticks the box."
    )
    pages = []
    for number in range(1, 5):
        rows = "".join(
            f"<tr><td>{number}.{row}</td><td>Item {row} of section {number}</td>"
            f"<td>Cat5e, straight through</td><td>{row * 3}</td><td>checked</td></tr>"
            for row in range(1, 23)
        )
        text = " ".join([sentence] * 4)
        pages.append(
            f"<section><h1>Section {number}</h1><p>{text}</p><h2>Table {number}</h2>"
            "<table><thead><tr><th>No.</th><th>Item</th><th>Note</th><th>Qty</th>"
            f"<th>Status</th></tr></thead>{rows}</table><p>{text}</p></section>"
        )
    css = (
        f'@font-face {{ font-family: A; src: url("{font_regular}"); }} '
        f'@font-face {{ font-family: A; font-weight: bold; src: url("{font_bold}"); }} '
        "@page { size: letter; margin: 0.6in; "
        '@bottom-right { content: "Page " counter(page) " of " counter(pages); } } '
        "html { font: 10pt A; } section { break-before: page; } "
        "table { border-collapse: collapse; width: 100%; } "
        "td, th { border: 0.75pt solid #000; padding: 2pt 4pt; }"
    )
    return f"<html><head><style>{css}</style></head><body>{''.join(pages)}</body></html>"


def spec_text(models: list[tuple[str, int]]) -> str:
    lines = ["job:", "  title: Benchmark bank", "  customer: Bench Customer", "batteries:"]
    for model, count in models:
        lines += [f"  - model: {model}", f"    count: {count}"]
    return "\n".join(lines) + "\n"


BANKS = {
    4: [("LL-S", 1), ("LL-V2 (6 DIP)", 1), ("LL-V2 (4 DIP)", 1), ("LL-V1", 1)],
    16: [("LL-S", 6), ("LL-V2 (6 DIP)", 6), ("LL-V2 (4 DIP)", 4)],
    64: [("LL-S", 32), ("LL-V2 (6 DIP)", 32)],
}


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time and peak RSS (kB) of one run of a command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0,):
        said = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"failed: {' '.join(command)}\n{said}")
    return elapsed, usage.ru_maxrss


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def interleaved(runs: int, *measures: Callable[[], float]) -> list[float]:
    """The median of each measure, taken in turns, the order reversed every other round.

    A figure and its baseline measured in blocks one after the other drift apart when the
    machine warms up or gets busy half-way (seen: a ratio of 1.36 in blocks, 1.24 in turns);
    in turns, both see the same machine.
    """
    samples: list[list[float]] = [[] for _ in measures]
    for round_number in range(runs):
        order = list(enumerate(measures))
        for index, measure in order if round_number % 2 == 0 else reversed(order):
            samples[index].append(measure())
    return [statistics.median(taken) for taken in samples]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    runs = max(args.runs, 1)
    work = Path(tempfile.mkdtemp(prefix="eg4bench-"))
    env = {**os.environ, "EG4SHEET_CACHE": str(work / "cache"), "PYTHONPATH": str(ROOT)}
    eg4 = [PYTHON, "-m", "generator"]
    specs = {}
    for size, models in BANKS.items():
        specs[size] = work / f"bank{size}.yaml"
        specs[size].write_text(spec_text(models))
    batch = work / "batch"
    batch.mkdir()
    for number in range(args.batch):
        shutil.copy(specs[16], batch / f"bank{number:03}.yaml")
    out = work / "out"

    # The final HTML of the 16-battery sheet, exactly as build lays it out, and the reference
    # document, made in a child process: this one stays small, since every command it starts
    # is forked from it and would otherwise report its memory as their own peak.
    sys.path.insert(0, str(ROOT))
    from generator.sheet import assets

    html_file = work / "sheet16.html"
    reference_file = work / "reference.html"
    subprocess.run(
        [PYTHON, "-c", PREPARE, str(specs[16]), str(html_file), str(reference_file)],
        env=env,
        check=True,
    )
    base_url = assets.ASSETS.as_uri() + "/"

    def cold_build() -> float:
        shutil.rmtree(work / "cache", ignore_errors=True)
        return timed([*eg4, "build", str(specs[16]), "-o", str(out)], env)[0]

    cold_cache = median_of(runs, cold_build)
    timed([*eg4, "build", str(specs[16]), "-o", str(out)], env)  # fill the drawing cache

    def run(command: list[str]) -> float:
        return timed(command, env)[0]

    rows: list[tuple[str, str, str, float, str]] = []

    validate, floor = interleaved(
        runs,
        lambda: run([*eg4, "validate", str(specs[16])]),
        lambda: run([PYTHON, "-c", "import yaml, jinja2"]),
    )
    rows.append(
        (
            "(a) cold validate, 16 batteries",
            f"{validate:.3f} s",
            f"{floor:.3f} s (python -c 'import yaml, jinja2')",
            validate / floor,
            "≤ 4",
        )
    )

    build, raw = interleaved(
        runs,
        lambda: run([*eg4, "build", str(specs[16]), "-o", str(out)]),
        lambda: run([PYTHON, "-c", RAW_RENDER, str(html_file), base_url]),
    )
    rows.append(
        (
            "(b) cold build, 16 batteries",
            f"{build:.3f} s",
            f"{raw:.3f} s (fresh process, WeasyPrint on the same HTML)",
            build / raw,
            "≤ 1.3",
        )
    )

    def warm(script: list[str]) -> float:
        result = subprocess.run(
            [PYTHON, "-c", *script], env=env, capture_output=True, text=True, check=True
        )
        return float(result.stdout.strip().splitlines()[-1])

    ours_warm, raw_warm, reference_warm = interleaved(
        runs,
        lambda: warm([WARM_OURS, str(batch), str(out)]),
        lambda: warm([WARM_RAW, str(html_file), base_url, str(args.batch)]),
        lambda: warm([WARM_RAW, str(reference_file), base_url, str(args.batch)]),
    )
    rows.append(
        (
            f"(c) warm per sheet, batch of {args.batch}",
            f"{ours_warm:.3f} s",
            f"{raw_warm:.3f} s (warm WeasyPrint render)",
            ours_warm / raw_warm,
            "≤ 1.15",
        )
    )

    rows.append(
        (
            "(h) warm per sheet, 16 batteries, against a 4-page document",
            f"{ours_warm:.3f} s",
            f"{reference_warm:.3f} s (warm WeasyPrint, 4 pages of text and tables)",
            ours_warm / reference_warm,
            "≤ 2.0",
        )
    )

    one, two = interleaved(
        runs,
        lambda: run([*eg4, "build", str(batch), "-o", str(out), "-j", "1"]),
        lambda: run([*eg4, "build", str(batch), "-o", str(out), "-j", "2"]),
    )
    rows.append(
        (
            f"(d) batch of {args.batch}, --jobs 2 speed-up",
            f"{two:.2f} s",
            f"{one:.2f} s (--jobs 1)",
            one / two,
            "≥ 1.8",
        )
    )

    rss = statistics.median(
        timed([*eg4, "build", str(specs[16]), "-o", str(out)], env)[1] for _ in range(runs)
    )
    rows.append(("(e) peak RSS, cold build of 16", f"{rss / 1024:.0f} MB", "", 0.0, ""))
    size = (out / "bank16.pdf").stat().st_size
    rows.append(
        ("(f) PDF size, 16 batteries", f"{size / 1000:.0f} kB", "", size / 150_000, "≤ 150 kB")
    )
    commands = {n: [*eg4, "build", str(specs[n]), "-o", str(out)] for n in (4, 16, 64)}
    measured = interleaved(runs, *(functools.partial(run, c) for c in commands.values()))
    sizes = dict(zip(commands, measured, strict=True))
    for batteries in (4, 16, 64):
        per = (sizes[batteries] - sizes[4]) / (batteries - 4) if batteries > 4 else 0
        note = f"+{per * 1000:.0f} ms per battery over 4" if per else "base"
        rows.append(
            (f"(g) cold build, {batteries} batteries", f"{sizes[batteries]:.3f} s", note, 0.0, "")
        )
    rows.append(
        (
            "cold build with an empty drawing cache",
            f"{cold_cache:.3f} s",
            "first build on a machine: draws the DIP blocks with matplotlib",
            0.0,
            "",
        )
    )

    print(
        f"\neg4sheet benchmark: medians of {runs} runs, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores\n"
    )
    print("| measure | eg4sheet | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    for name, ours, base, ratio, target in rows:
        shown = f"{ratio:.2f}" if ratio else ""
        print(f"| {name} | {ours} | {base} | {shown} | {target} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
