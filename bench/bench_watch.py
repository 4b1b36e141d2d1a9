"""`grade watch`'s write-to-verdict latency (issue 21: median <= 0.5 s), on this machine.

    .venv/bin/python bench/bench_watch.py [--writes 20] [--write bench/RESULTS.md]

A simulated account with exercise 03 solved (its checks read the most), `grade watch 03`
running as a learner runs it, and a learner's boto3 client making one write at a time
(tagging the admin user: an ordinary change that the checks read). Measured: from the
moment the write's answer arrives to the moment watch prints its new verdict. Between
writes the bench waits for watch to settle, as a learner reads the screen.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from queue import Queue

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grader import BIN, learner_machine, run
from results import replace_section

HEADING = "## `grade watch`: from a write to the verdict"
BUDGET = 0.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", type=Path)
    parser.add_argument("--writes", type=int, default=20)
    options = parser.parse_args()
    _, env, admin = learner_machine("grade-bench-watch-")
    grade = str(BIN / "grade")
    import boto3

    iam = boto3.client("iam", endpoint_url=admin["AWS_ENDPOINT_URL"], region_name="us-east-1",
                       aws_access_key_id=admin["AWS_ACCESS_KEY_ID"],
                       aws_secret_access_key=admin["AWS_SECRET_ACCESS_KEY"])
    watch = subprocess.Popen([grade, "watch", "03"], env=env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    verdicts: Queue[float] = Queue()

    def read() -> None:
        assert watch.stdout is not None
        for line in watch.stdout:
            if line.startswith("Graded at"):
                verdicts.put(time.perf_counter())

    threading.Thread(target=read, daemon=True).start()
    try:
        verdicts.get(timeout=60)  # the first grading, before any write
        latencies = []
        for number in range(options.writes):
            time.sleep(0.5)  # the learner looks at the screen
            while not verdicts.empty():
                verdicts.get()
            iam.tag_user(UserName="alice", Tags=[{"Key": "write", "Value": str(number)}])
            written = time.perf_counter()
            latencies.append(verdicts.get(timeout=60) - written)
    finally:
        watch.terminate()
        watch.wait(timeout=30)
        run(env, grade, "sandbox", "stop")

    median, worst = statistics.median(latencies), max(latencies)
    verdict = "ok" if median <= BUDGET else "OVER"
    load = os.getloadavg()[0]
    text = "\n".join([
        HEADING,
        "",
        f"Machine: {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}, load average {load:.1f}; "
        f"{len(latencies)} writes. Produced by `bench/bench_watch.py`.",
        "",
        "| What | Median | Worst | Budget |",
        "|---|---|---|---|",
        f"| a write (`iam tag-user`) to `grade watch 03`'s new verdict, 03 solved | "
        f"{median * 1000:.0f} ms | {worst * 1000:.0f} ms | {BUDGET * 1000:.0f} ms ({verdict}) |",
        "",
        "Where the time goes: watch long-polls the account's record (`/_sandbox/changes`),",
        "which answers as the write is recorded; it waits 50 ms for a burst to settle, then the",
        "account grades in its own process (`grader/grading/in_account.py`, as `grade NN` does:",
        "no pytest or botocore to import), and watch prints. Before (pytest in watch's own",
        "process, 0.3 s of settling): 0.7-1.1 s.",
    ]) + "\n"
    print(text)
    if options.write:
        replace_section(options.write, HEADING, text)


if __name__ == "__main__":
    main()
