"""Benchmark: submissions taken per second on SQLite, each with a realistic record slice
of ~100 events, through the real server (uvicorn) from 8 concurrent learners' clients
(not run as tests). Budget: >= 200 submissions/s.

    .venv/bin/python bench/bench_server_ingest.py [--submissions 1000] [--write bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
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
EVENTS = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--write", type=Path)
    options = parser.parse_args()
    from bench.results import replace_section
    from grader.progress.submission import sign
    from tests.server_harness import Record, Server, deploy, submission

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        site = deploy(home, f"sqlite:///{home}/server.sqlite")
        people = [site.seed_learner(f"Learner {n}") for n in range(CLIENTS * 4)]
        per = options.submissions // len(people)
        # Made and signed beforehand: the clients' own work is not the server's time.
        bodies: list[list[tuple[str, bytes]]] = []
        for person in people:
            record, after, mine = Record(salt=person["learner"]), 0, []
            for _ in range(per):
                record.add(EVENTS)
                mine.append((person["token"], submission(record, after=after).encode()))
                after = record.head[0]
            bodies.append(mine)
        size = sum(len(b) for mine in bodies for _, b in mine) / (per * len(people))
        server = Server(home, site.url, "--no-regrade", "--workers", str(options.workers))

        def send(mine: list[tuple[str, bytes]]) -> int:
            for token, body in mine:
                reply = server.request("POST", "/api/submissions", body, {
                    "Authorization": f"Bearer {token}", "X-Grade-Signature": sign(token, body)})
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
    rate = total / elapsed
    lines = ["## The instructor server's ingest", "",
             f"Machine: {platform.machine()}, CPython {platform.python_version()}; SQLite (WAL, "
             f"synchronous=FULL), {options.workers} server processes, {CLIENTS} clients sending "
             f"{total} signed submissions of {EVENTS} new events each ({size / 1024:.0f} KB "
             "gzip'd), each stored with its record slice and a queued re-grade before it is "
             "answered. Produced by `bench/bench_server_ingest.py`.", "",
             "| What | Rate | Budget |", "|---|---|---|",
             f"| submissions taken | {rate:.0f} /s | {BUDGET:.0f} /s "
             f"({'ok' if rate >= BUDGET else 'UNDER'}) |"]
    text = "\n".join(lines)
    print(text)
    if options.write:
        replace_section(options.write, lines[0], text)


if __name__ == "__main__":
    main()
