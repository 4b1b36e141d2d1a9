"""Benchmark: the README's test command (`./scripts/test`) in a fresh clone, as CI runs it
(not run as tests). Budget: the tests (pytest) within 10 minutes on 2 cores.

    .venv/bin/python bench/bench_suite.py [--rev HEAD] [--write bench/RESULTS.md]

Clones the revision into a temporary folder, runs `./scripts/test --durations=25` there
(the install included, timed apart from pytest), and writes: pytest's own time, the
whole command's, the CPU time the machine spent meanwhile (every process: the account's,
`grade`'s, the AWS CLI's, Chromium's, PostgreSQL's), the machine's load, and the slowest
tests. When the CPU time is about twice the whole command's time, the suite is bound by
the 2 cores, not by waiting: only less work makes it quicker. With `--log`, reads
a log such a run already wrote instead (and `--seconds`, the whole command's time).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import replace_section  # noqa: E402

HEADING = "## The test suite: `./scripts/test` in a fresh clone"
BUDGET = 600.0  # seconds of pytest
_SUMMARY = re.compile(r"=+ (.*?) in ([\d.]+)s")
_SLOW = re.compile(r"^([\d.]+)s (call|setup|teardown)\s+(\S+)$", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    log: str
    whole: float  # the command's seconds, install included
    load: float  # the load average (1 minute) at the end
    cpu: float = 0.0  # CPU-seconds the machine spent meanwhile (0: not measured)


def busy_cpu_seconds() -> float:
    """CPU-seconds this machine has spent busy (all cores, every process) since boot."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run(rev: str) -> Run:
    with tempfile.TemporaryDirectory(prefix="grade-bench-suite-") as folder:
        clone = Path(folder) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "checkout", "--quiet", rev], cwd=clone, check=True)
        started, cpu = time.perf_counter(), busy_cpu_seconds()
        done = subprocess.run(["./scripts/test", "--durations=25"], cwd=clone, text=True,
                              capture_output=True, check=False)
        return Run(done.stdout + done.stderr, time.perf_counter() - started,
                   os.getloadavg()[0], busy_cpu_seconds() - cpu)


def section(measured: Run) -> str:
    summary = _SUMMARY.findall(measured.log)
    if not summary:
        raise SystemExit("the log has no pytest summary line")
    outcome, seconds = summary[-1][0], float(summary[-1][1])
    verdict = "ok" if seconds <= BUDGET else "OVER"
    slow = _SLOW.findall(measured.log)[:15]
    rows = "\n".join(f"| {float(s):.0f} s | {when} | `{test}` |" for s, when, test in slow)
    cpu_line = ""
    if measured.cpu:
        busy = measured.cpu / measured.whole
        bound = busy >= 0.85 * (os.cpu_count() or 1)
        cpu_line = (f" The machine's CPU time while the command ran: {measured.cpu / 60:.1f} "
                    f"CPU-minutes, {busy:.2f} cores busy on average of {os.cpu_count()}: "
                    + ("the suite is bound by the cores, so only less work (fewer processes "
                       "started, less done in each) makes it quicker." if bound else
                       "the cores are not all busy, so more workers (or less waiting) would "
                       "make it quicker."))
    return f"""{HEADING}

Machine: {os.cpu_count()} cores, {platform.python_implementation()} \
{platform.python_version()}, load average {measured.load:.1f} at the end. Produced by \
`bench/bench_suite.py`. pytest runs 4 workers (`-n 4 --dist loadgroup`).{cpu_line}

| What | Time | Budget |
|---|---|---|
| pytest ({outcome}) | {seconds / 60:.1f} min | {BUDGET / 60:.0f} min ({verdict}) |
| the whole command (install, lint, types, pytest) | {measured.whole / 60:.1f} min | |

The slowest tests (each on its worker; a worker runs about a quarter of the suite):

| Time | Phase | Test |
|---|---|---|
{rows}
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--log", type=Path, help="a log of `./scripts/test` already run")
    parser.add_argument("--seconds", type=float, default=0.0,
                        help="with --log: the whole command's time")
    parser.add_argument("--load", type=float, default=None, help="with --log: its load")
    parser.add_argument("--write", type=Path)
    parser.add_argument("--save-log", type=Path, help="where to keep the run's whole log")
    options = parser.parse_args()
    if options.log:
        measured = Run(options.log.read_text(encoding="utf-8", errors="replace"),
                       options.seconds, options.load if options.load is not None
                       else os.getloadavg()[0])
    else:
        measured = run(options.rev)
        if options.save_log:
            options.save_log.write_text(measured.log, encoding="utf-8")
    text = section(measured)
    print(text)
    if options.write:
        replace_section(options.write, HEADING, text)


if __name__ == "__main__":
    main()
