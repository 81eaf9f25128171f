"""Benchmark of several `eg4sheet serve` instances behind Debian's nginx
(docs/deploy/nginx.conf), on loopback: sheets/s through nginx with one instance and with
three (one render worker each, two clients per worker, a 16-battery bank), and with one
instance of two workers; then the kill test: a bounded load of sheets and validations on
three instances, one killed with SIGKILL while it renders and started again; every answer
checked.

    .venv/bin/python bench/scale.py [--sheets 24] [--kill-sheets 30] [--kill-validations 60]

Needs /usr/sbin/nginx (`./dev test` or `./dev bench` installs it as root on Debian).
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import BANKS, spec_text  # noqa: E402
from tests.fleet import Load, fleet, kill_and_restart, mixed, nginx_missing  # noqa: E402
from tests.test_scale import SPEC, findings_of  # noqa: E402


def sheets_per_second(
    instances: int, sheets: int, body: bytes, workers: int = 1
) -> tuple[float, int]:
    """Sheets/s through nginx (two clients per render worker), and the answers that were
    not a good PDF."""
    with fleet(instances, workers) as front:
        load = Load(front.base_port, body, SPEC, b"")
        clients = 2 * instances * workers
        load.run(["sheet"] * clients, clients)  # warm: every instance's worker renders once
        load.outcomes.clear()
        seconds = load.run(["sheet"] * sheets, clients)
        return sheets / seconds, len(load.failures())


def main() -> None:
    missing = nginx_missing()
    if missing:
        print(missing)
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sheets", type=int, default=24, help="sheets per throughput run")
    parser.add_argument("--rounds", type=int, default=1, help="throughput runs, medians")
    parser.add_argument("--kill-sheets", type=int, default=30)
    parser.add_argument("--kill-validations", type=int, default=60)
    args = parser.parse_args()
    os.environ["EG4SHEET_CACHE"] = tempfile.mkdtemp(prefix="eg4bench-cache-")
    body = spec_text(BANKS[16]).encode()
    ones, twos, threes, bad = [], [], [], 0
    for _ in range(max(args.rounds, 1)):
        rate, failed = sheets_per_second(1, args.sheets, body)
        ones.append(rate)
        bad += failed
        rate, failed = sheets_per_second(1, args.sheets, body, workers=2)
        twos.append(rate)
        bad += failed
        rate, failed = sheets_per_second(3, args.sheets, body)
        threes.append(rate)
        bad += failed
    with fleet(3) as front:
        load = Load(front.base_port, SPEC, SPEC, findings_of(front.instances[0].port))
        kinds = mixed(args.kill_sheets, args.kill_validations)
        report = kill_and_restart(front, load, kinds, clients=6)
        victim = front.instances[report.killed - 1]
        lines = victim.log.read_text().splitlines()
        starts = [line for line in lines if "Application startup complete" in line]
        after = [line for start, line in victim.requests() if start == victim.starts]
        shares = [len(instance.requests()) for instance in front.instances]
        retried = [
            line
            for line in front.access_log().splitlines()
            if " 200 upstream=" in line and ", " in line
        ]
    one, two, three = statistics.median(ones), statistics.median(twos), statistics.median(threes)
    print(
        f"\neg4sheet behind nginx: {datetime.date.today()}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} at the end\n"
    )
    print("| measure | figure | note |")
    print("|---|---|---|")
    print(
        f"| sheets/s, 1 instance (1 worker, 2 clients) | {one:.2f} | "
        f"16 batteries, {args.sheets} sheets |"
    )
    print(
        f"| sheets/s, 3 instances (1 worker each, 6 clients) | {three:.2f} | "
        f"{three / one:.2f} × one instance |"
    )
    print(
        f"| sheets/s, 1 instance with 2 workers (4 clients) | {two:.2f} | "
        f"{two / one:.2f} × one worker: the same cores in one process |"
    )
    print(f"| throughput answers other than a good PDF | {bad} | |")
    print(
        f"| kill run: requests through nginx | {report.requests} | "
        f"{args.kill_sheets} sheets and {args.kill_validations} validations, 6 clients, "
        f"then validations until the restarted instance answers |"
    )
    print(f"| kill run: failed requests seen by clients | {len(report.failures)} | |")
    print(
        f"| kill run: instance {report.killed} SIGKILLed | after {report.killed_at} answers | "
        f"{'while rendering a sheet' if report.rendering_when_killed else 'idle'}; "
        f"ready again {report.restarted_ready_after:.1f} s later |"
    )
    print(
        f"| kill run: answers per instance (their logs) | {' / '.join(map(str, shares))} | "
        f"instance {report.killed}: {report.served_after_restart} after its restart |"
    )
    print(f"| kill run: answers nginx got after a retry | {len(retried)} | |")
    print("\nnginx's error log about the killed instance:")
    for line in report.nginx_errors[:6]:
        print("  " + line[line.find("[error]") :][:220])
    killed = datetime.datetime.fromtimestamp(report.killed_clock).strftime("%H:%M:%S.%f")[:-3]
    print(f"\ninstance {report.killed} SIGKILLed at {killed}; its log (standard error):")
    for line in starts[:2] + after[:1]:  # started, started again, its first API answer
        print("  " + line)
    for outcome in report.failures[:10]:
        print(f"FAILED: {outcome}")


if __name__ == "__main__":
    main()
