"""Benchmark of the server's re-grade (#13), on this machine (not run as tests).

    .venv/bin/python bench/bench_regrade.py [--runs 30] [--write bench/RESULTS.md]
    .venv/bin/python bench/bench_regrade.py --heavy 10000 [--runs 20] [--write ...]

A typical 03 submission: a learner's account where exercise 03 was done as its
reference solution does it, plus the console sign-in as the admin user, made in
a real simulated account (`grade sandbox start`). Its record is then re-graded in
this process as a server's worker does (`grader.server.regrade.regrade`): the
account rebuilt, every event judged again, the checks run. Budget: median <= 0.3 s
in a warm worker (nbgrader's autograde takes 1.37 s per submission here).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_grader import BIN, run, solve_03  # noqa: E402
from bench.results import replace_section  # noqa: E402

BUDGET = 0.3


def typical_03() -> tuple[dict[str, object], list[tuple[int, tuple[object, ...], str]]]:
    """The account identity and record of a learner who did 03."""
    from grader.sandbox.history.record import RECORD_FILE, Record

    home = Path(tempfile.mkdtemp(prefix="grade-bench-regrade-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GRADE_"))}
    env.update(GRADE_HOME=str(home), PATH=f"{BIN}:{env['PATH']}", NO_COLOR="1",
               AWS_CONFIG_FILE=str(home / "none"), AWS_SHARED_CREDENTIALS_FILE=str(home / "none"))
    grade = str(BIN / "grade")
    run(env, grade, "sandbox", "start")
    learner = {**env, **json.loads(run(env, grade, "sandbox", "env", "--json").stdout)}
    solve_03(learner)
    run(env, grade, "console", "signin", "alice", "--password",
        "Correct-Horse-Battery-Staple-42")
    assert run(env, grade, "03").returncode == 0, "03 should pass before it is re-graded"
    run(env, grade, "sandbox", "stop")
    from grader.progress.submission import account_identity
    from grader.sandbox.account import load_account

    opened = load_account(home / "sandbox")
    assert opened is not None
    account = account_identity(opened)
    record = Record(home / "sandbox" / RECORD_FILE)
    events = record.stored()
    record.close()
    return account, events


SLICE = 20
ON_TOP = "## The server's re-grade of a slice on top of a long record"


def on_top(events: int, runs: int, profile: Path | None = None) -> str:
    """Re-grade `runs` slices of `SLICE` events, each on top of the account the worker kept
    from the submission before (the first: `events` events, rebuilt in full); the section."""
    from bench.heavy_records import heavy_record
    from grader.progress.submission import StoredEvent
    from grader.server.held_events import HeldEvents
    from grader.server.regrade import regrade, warm_up

    class Listed(HeldEvents):  # the server's store, as a list (the worker reads only the end)
        def __init__(self, rows: list[StoredEvent]) -> None:
            super().__init__(None, 1, rows[-1].seq)  # type: ignore[arg-type]
            self.rows = rows

        def after(self, seq: int) -> list[StoredEvent]:
            return [e for e in self.rows if e.seq > seq]

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        account, made = child.submit(heavy_record, events + SLICE * runs).result()
    rows = [StoredEvent(*r) for r in made]
    print(f"made {len(rows)} events", file=sys.stderr, flush=True)
    warm_up()
    base = len(rows) - SLICE * runs

    def graded(held: Listed) -> dt.datetime:  # each grading right after its last event
        return dt.datetime.fromisoformat(held.rows[-1].value("event_time"))

    started = time.perf_counter()
    first = regrade("03-stop-using-root", "sandbox", account, Listed(rows[:base]), None,
                    graded(Listed(rows[:base])))
    full = time.perf_counter() - started
    assert first.status == "regraded" and not first.problems, first.problems[:3]
    print(f"full re-grade: {full:.1f} s", file=sys.stderr, flush=True)
    times = []
    profiler = cProfile.Profile() if profile else None
    for n in range(runs):
        held = Listed(rows[:base + SLICE * (n + 1)])
        if profiler:
            profiler.enable()
        started = time.perf_counter()
        outcome = regrade("03-stop-using-root", "sandbox", account, held, None, graded(held))
        times.append(time.perf_counter() - started)
        if profiler:
            profiler.disable()
        assert outcome.status == "regraded" and not outcome.problems
    if profiler and profile:
        profiler.dump_stats(profile)
    median = statistics.median(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    verdict = "ok" if median <= BUDGET else "OVER"
    return f"""{ON_TOP}

Machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, \
{platform.machine()}, load average {os.getloadavg()[0]:.1f}; {runs} runs. Produced by \
`bench/bench_regrade.py --heavy {events}`. A learner {base:,} events in (root's reads, a tag \
now and then, one a second: `bench/heavy_records.py`) sends {SLICE} new events at a time; \
a warm worker re-grades each submission on top of the account it kept from the one before \
(`grader/server/kept_accounts.py`: only the new events are read, replayed and judged), then \
runs 03's checks.

| What | Median | p95 | Budget |
|---|---|---|---|
| re-grade of {SLICE} new events on top of {base:,}, warm worker | {median * 1000:.0f} ms | \
{p95 * 1000:.0f} ms | {BUDGET * 1000:.0f} ms ({verdict}) |
| the same record re-graded in full (a miss: another worker, a restart) | \
{full:.1f} s | | none |

Before #22.7 every re-grade was the full one ({full / base * 1000:.2f} ms an event here).

Where the time goes (cProfile, 3,000 and 10,000 events): reading, replaying and judging the \
20 new events on the kept account about 70 ms (3.5 ms an event, as in a full rebuild); the \
rest is 03's checks, as for a short record. 03's checks read every management event \
(`grader/checks/activity.py`); they keep what they read of a simulated account's event \
history between gradings and page LookupEvents only down to the newest event they hold \
(`grader/checks/event_history.py`), so the read follows the new events, not the record's \
length. Before that, the read was 200 pages for 10,000 events, 3.8 s a slice; and before \
`grader/sandbox/services/cloudtrail/lookup.py` read a batch at a time, each page read the whole \
record, over 10 s a slice.
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--heavy", type=int, default=0,
                        help="instead: a 20-event slice on top of a record this long")
    parser.add_argument("--write", type=Path)
    parser.add_argument("--profile", type=Path,
                        help="with --heavy: cProfile the slices' re-grades into this file")
    options = parser.parse_args()
    if options.heavy:
        text = on_top(options.heavy, min(options.runs, 20), options.profile)
        print(text)
        if options.write:
            replace_section(options.write, ON_TOP, text)
        return
    # Made in another process: the measuring one is a worker's, which only re-grades.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as child:
        account, events = child.submit(typical_03).result()

    from grader.server.regrade import regrade, warm_up

    started = time.perf_counter()
    warm_up()
    warming = time.perf_counter() - started
    started = time.perf_counter()
    first = regrade("03-stop-using-root", "sandbox", account, events, None)
    cold = time.perf_counter() - started
    assert first.verdict is not None and first.verdict["passed"], first
    times = []
    for _ in range(options.runs):
        started = time.perf_counter()
        outcome = regrade("03-stop-using-root", "sandbox", account, events, None)
        times.append(time.perf_counter() - started)
        assert outcome.verdict is not None and outcome.verdict["passed"] and not outcome.problems
    median = statistics.median(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    verdict = "ok" if median <= BUDGET else "OVER"
    load = os.getloadavg()[0]
    text = f"""## The server's re-grade of a 03 submission

Machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, \
{platform.machine()}, load average {load:.1f}; {options.runs} warm runs. Produced by \
`bench/bench_regrade.py`. The submission: exercise 03 done as its reference solution does \
it plus the admin's console sign-in ({len(events)} events, the account's starting history \
included), re-graded in one process as a server's worker does (rebuilt, every event judged \
again, the 6 checks run).

| What | Median | p95 | Budget |
|---|---|---|---|
| re-grade, warm worker | {median * 1000:.0f} ms | {p95 * 1000:.0f} ms | {BUDGET * 1000:.0f} ms \
({verdict}) |
| the worker's first re-grade (after `warm_up`) | {cold * 1000:.0f} ms | | |
| `warm_up` (moto, AWS's managed policies, pytest) | {warming * 1000:.0f} ms | | |

Where the time goes (cProfile, this machine): the checks' pytest session about a quarter \
(it stops at the exercise's folder: `--confcutdir`), the checks' reads of the account \
(15 calls through botocore, each judged by the front desk as any request is) about two \
fifths, rebuilding the account (a new account with AWS's managed policies, whose ids are \
drawn only when read, then the record's events made again and judged) about a third. \
The record is made in another process: the measuring one is a worker's. The machine's \
noise is large (the same code measures 230-310 ms).
"""
    print(text)
    if options.write:
        replace_section(options.write, "## The server's re-grade of a 03 submission", text)


if __name__ == "__main__":
    main()
