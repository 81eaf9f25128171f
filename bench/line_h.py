"""Line (h) of bench/run.py measured in one process, in CPU time, so that a busy machine
(other processes on the same cores) disturbs it less than the wall clock: the warm per-sheet
time of the 16-battery bank against WeasyPrint on the fixed 4-page reference, and (c)'s
WeasyPrint on the sheet's own HTML. The three are interleaved; medians (and minima) of N.

    .venv/bin/python bench/line_h.py [--runs 9] [--root CHECKOUT]

`--root` measures another checkout (an exported older commit, say) with this environment.
Not the benchmark: `./dev bench` is (wall clock, fresh processes, on a quiet machine).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="eg4line-h-"))
    os.environ["EG4SHEET_CACHE"] = str(work / "cache")
    sys.path.insert(0, str(args.root.resolve()))

    import weasyprint

    from bench.run import BANKS, reference_html, spec_text
    from generator import api
    from generator.output.batch import BuildOptions, build_one
    from generator.sheet import assets
    from generator.sheet.render import file_font_urls, render_html

    spec = work / "bank16.yaml"
    spec.write_text(spec_text(BANKS[16]))
    checked = api.check(api.read_spec(spec))
    assert checked.analysis is not None
    html = render_html(checked.analysis, str(spec))
    fonts = file_font_urls()
    reference = reference_html(fonts.regular, fonts.bold)
    base = assets.ASSETS.as_uri() + "/"
    out = work / "out"
    out.mkdir()
    measures: dict[str, Callable[[], object]] = {
        "ours": lambda: build_one(spec, BuildOptions(out)),
        "same HTML": lambda: weasyprint.HTML(string=html, base_url=base).write_pdf(),
        "reference": lambda: weasyprint.HTML(string=reference, base_url=base).write_pdf(),
    }
    for measure in measures.values():  # warm up
        measure()
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(max(args.runs, 1)):
        for name, measure in measures.items():
            gc.collect()
            start = time.process_time()
            measure()
            times[name].append(time.process_time() - start)
    for label, pick in (("median", statistics.median), ("min", min)):
        ours, same, reference_s = (pick(times[name]) for name in measures)
        print(
            f"{label:6} ours {ours:.3f} s  WeasyPrint on the same HTML {same:.3f} s  "
            f"reference {reference_s:.3f} s  (h) {ours / reference_s:.2f}  (c) {ours / same:.2f}"
        )


if __name__ == "__main__":
    main()
