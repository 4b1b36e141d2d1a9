"""Benchmark: submissions taken per second on SQLite, each with a record slice of 20 new
events (typical; and 100, a heavy case), through the real server (uvicorn) from 8
concurrent learners' clients (not run as tests). Budget: >= 200 submissions/s.

    .venv/bin/python bench/bench_server_ingest.py [--submissions 1000] [--write bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET = 200.0
CLIENTS = 8
WHERE_THE_TIME_GOES = """\
Where the time goes (measured on this machine with py-spy and the processes' CPU times): \
about 7.5 ms of server CPU per typical submission, of which the HTTP stack is a quarter, \
checking the signature, parsing and the chain links and packing the slice a third, and the \
writes a fifth; each client about 1 ms. SQLite has one writer: each server process hands its \
submissions to one ingest thread (`grader/server/group_commit.py`), which prepares all that \
wait and writes them in one transaction (one lock, one sync to disk), answered after the \
commit; the ten statements a submission runs are compiled once and run on the driver's \
cursor (`grader/server/prepared.py`: SQLAlchemy's work around each execution had been 82% \
of the write section); a request waits for the ingest thread on the event loop, not in a \
thread of its own. Before these: 107-157 /s. The machine's noise is large (the same code \
measures 210-235 /s)."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--events", default="20,100",
                        help="new events per submission, one run each (the first: typical)")
    parser.add_argument("--write", type=Path)
    options = parser.parse_args()
    from bench.results import replace_section

    sizes = [int(n) for n in options.events.split(",")]
    rows = []
    for events in sizes:
        rate, total, size = measure(options.submissions, options.workers, events)
        budget = f"{BUDGET:.0f} /s ({'ok' if rate >= BUDGET else 'UNDER'})" \
            if events == sizes[0] else "none (a heavy case)"
        rows.append(f"| {total} submissions of {events} new events ({size / 1024:.1f} KB "
                    f"gzip'd) | {rate:.0f} /s | {budget} |")
    lines = ["## The instructor server's ingest", "",
             f"Machine: {platform.machine()}, CPython {platform.python_version()}, load average "
             f"{os.getloadavg()[0]:.1f}; SQLite (WAL, synchronous=FULL), {options.workers} "
             "web processes (`serve --no-regrade`: re-grading runs in `grade-server worker` "
             f"processes or follows later), {CLIENTS} clients on the same 2 cores, each "
             "submission signed "
             "beforehand and stored with its record slice and a queued re-grade before it is "
             "answered (group commit: grader/server/group_commit.py). A typical submission "
             "brings the events since the learner's last "
             f"grading: {sizes[0]} is generous (a learner's whole record at exercise 03 is "
             "about 15). Produced by `bench/bench_server_ingest.py`.", "",
             "| What | Rate | Budget |", "|---|---|---|", *rows, "", WHERE_THE_TIME_GOES]
    text = "\n".join(lines)
    print(text)
    if options.write:
        replace_section(options.write, lines[0], text)


def measure(submissions: int, workers: int, events: int) -> tuple[float, int, float]:
    """(submissions taken per second, how many, their mean size in bytes)."""
    from grader.progress.submission import sign
    from tests.server_harness import Record, Server, deploy, submission

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        site = deploy(home, f"sqlite:///{home}/server.sqlite")
        people = [site.seed_learner(f"Learner {n}") for n in range(CLIENTS * 4)]
        per = submissions // len(people)
        # Made and signed beforehand: the clients' own work is not the server's time.
        bodies: list[list[tuple[str, bytes, str]]] = []
        for person in people:
            record, after, mine = Record(salt=person["learner"]), 0, []
            for _ in range(per):
                record.add(events)
                body = submission(record, after=after).encode()
                mine.append((person["token"], body, sign(person["token"], body)))
                after = record.head[0]
            bodies.append(mine)
        size = sum(len(b) for mine in bodies for _, b, _ in mine) / (per * len(people))
        server = Server(home, site.url, "--no-regrade", "--workers", str(workers))

        def send(mine: list[tuple[str, bytes, str]]) -> int:
            for token, body, signature in mine:
                reply = server.request("POST", "/api/submissions", body, {
                    "Authorization": f"Bearer {token}", "X-Grade-Signature": signature})
                assert reply.status == 201, reply.text
            return len(mine)

        try:
            started = time.perf_counter()
            with ThreadPoolExecutor(CLIENTS) as pool:
                total = sum(pool.map(send, bodies))
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
        assert site.count("submissions") == total
    return total / elapsed, total, size


if __name__ == "__main__":
    main()
