"""Benchmark: the dashboard's grid page for a cohort of 5,000 learners x 10 exercises
(seeded by SQL) answers with p95 <= 300 ms, through the real server (not run as tests).

    .venv/bin/python bench/bench_server_grid.py [--requests 50] [--write bench/RESULTS.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LEARNERS = 5000
EXERCISES = 10
BUDGET_MS = 300.0


def seed(url: str) -> tuple[int, str]:
    """A cohort of LEARNERS with a progress row for (nearly) each of EXERCISES."""
    from grader.progress.submission import token_digest
    from grader.server import auth, enrolment, migrate
    from grader.server.database import connect, writing
    from grader.server.schema import learners, progress
    from tests.server_harness import PASSWORD

    engine = connect(url)
    migrate.upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    rng = random.Random(13)
    exercises = [f"{n:02d}-exercise-{n}" for n in range(EXERCISES)]
    with writing(engine) as connection:
        instructor = auth.create_instructor(connection, "bench@example.com", PASSWORD)
        cohort, _code = enrolment.create_cohort(connection, instructor, "Bench")
        connection.execute(learners.insert(), [
            {"public_id": f"l_{n}", "cohort_id": cohort, "name": f"Learner {n:05d}",
             "token_digest": token_digest(f"token-{n}"), "revoked": False, "joined_at": now,
             "last_activity": now - dt.timedelta(minutes=rng.randrange(100000)),
             "passed_count": 0, "incident_count": 0} for n in range(LEARNERS)])
        ids = [r[0] for r in connection.exec_driver_sql("SELECT id FROM learners")]
        rows = []
        for learner in ids:
            for exercise in exercises:
                if rng.random() < 0.9:
                    passed = rng.random() < 0.6
                    rows.append({"learner_id": learner, "exercise": exercise,
                                 "passed": passed, "attempts": rng.randrange(1, 9),
                                 "state": "passed" if passed else "failing", "reason": None,
                                 "last_at": now, "mismatches": int(rng.random() < 0.02),
                                 "flagged": 0, "pending": 0})
        connection.execute(progress.insert(), rows)
    engine.dispose()
    return cohort, "bench@example.com"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--write", type=Path)
    options = parser.parse_args()
    from bench.results import replace_section
    from tests.server_harness import Browser, Server

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        url = f"sqlite:///{home}/server.sqlite"
        cohort, email = seed(url)
        server = Server(home, url, "--no-regrade")
        try:
            browser = Browser(server)
            assert browser.login(email).status == 303
            timings = {}
            for label, query in [("default page (by name)", ""),
                                 ("sorted by progress", "?sort=progress"),
                                 ("sorted by last activity, page 40", "?sort=activity&page=40"),
                                 ("search by name", "?q=Learner%2004")]:
                times = []
                for _ in range(options.requests):
                    started = time.perf_counter()
                    reply = browser.request("GET", f"/cohorts/{cohort}{query}")
                    times.append((time.perf_counter() - started) * 1000)
                    assert reply.status == 200 and "Learner" in reply.text
                timings[label] = times
        finally:
            server.stop()
    lines = ["## The instructor server's grid", "",
             f"Machine: {platform.machine()}, CPython {platform.python_version()}; a cohort of "
             f"{LEARNERS:,} learners x {EXERCISES} exercises seeded in SQLite, "
             f"{options.requests} requests each through the real server (uvicorn, one "
             "process), signed in. Produced by `bench/bench_server_grid.py`.", "",
             "| Grid page | Median | p95 | Budget |", "|---|---|---|---|"]
    for label, times in timings.items():
        p95 = statistics.quantiles(times, n=20)[-1]
        verdict = "ok" if p95 <= BUDGET_MS else "OVER"
        lines.append(f"| {label} | {statistics.median(times):.0f} ms | {p95:.0f} ms | "
                     f"{BUDGET_MS:.0f} ms p95 ({verdict}) |")
    text = "\n".join(lines)
    print(text)
    if options.write:
        replace_section(options.write, lines[0], text)


if __name__ == "__main__":
    main()
