"""Benchmark of issue 10's delivery budget, on this machine (not run as tests).

    .venv/bin/python bench/bench_delivery.py [--write bench/RESULTS.md]

A busy learner's day: 10,000 events in the record over 24 hours of the
account's time (three quarters in us-east-1, the rest in eu-west-1; reads
and writes of IAM, S3 and STS), a multi-Region trail with log file
validation logging all day. Measured: the account's time passing over that
day (`SandboxApp.pass_time`), which delivers every log file (288 marks x 2
Regions) and every digest (24 x 2, signed): budget under 2 s. Also the
same for a quiet 100 days (a long `grade sandbox advance`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EVENTS = 10_000
RUNS = 5
BUDGET_S = 2.0
BUCKET = "bench-trail-logs"

OPERATIONS = [("iam", "ListUsers", True), ("iam", "CreateUser", False),
              ("s3", "ListBuckets", True), ("s3", "CreateBucket", False),
              ("sts", "GetCallerIdentity", True), ("iam", "GetUser", True)]


def account_app(folder: Path) -> object:
    from grader.sandbox.account import new_account, save_account
    from grader.sandbox.server import build_app

    save_account(folder, new_account())
    return build_app(folder)


def trail_logging(app: object, start: dt.datetime, bucket: str) -> None:
    import time_machine
    from moto.cloudtrail.models import cloudtrail_backends
    from moto.s3.models import s3_backends

    account = app.account  # type: ignore[attr-defined]
    acct = account.account_id
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{acct}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]}
    s3 = s3_backends[acct]["aws"]
    s3.create_bucket(bucket, "us-east-1")
    s3.put_bucket_policy(bucket, json.dumps(policy).encode())
    trails = cloudtrail_backends[acct]["us-east-1"]
    with time_machine.travel(start, tick=False):
        app.pass_time(start)  # type: ignore[attr-defined]
        trails.create_trail("main", bucket, None, None, True, True, True, False, None, None,
                            None, [])
        trails.start_logging("main")


def busy_day(app: object, start: dt.datetime) -> None:
    from grader.sandbox.history.record import Event

    account = app.account  # type: ignore[attr-defined]
    step = dt.timedelta(days=1) / EVENTS
    for index in range(EVENTS):
        service, operation, read_only = OPERATIONS[index % len(OPERATIONS)]
        app.record.append(Event(  # type: ignore[attr-defined]
            event_id=str(uuid.uuid4()), event_time=(start + step * (index + 1)).isoformat(),
            event_type="AwsApiCall", identity_type="IAMUser", principal_name="alice",
            principal_arn=f"arn:aws:iam::{account.account_id}:user/alice",
            principal_id="AIDABENCHMARKUSER0001", access_key_id="AKIABENCHMARK0000001",
            service=service, operation=operation,
            region="eu-west-1" if index % 4 == 3 and service != "iam" else "us-east-1",
            read_only=read_only, parameters={"UserName": f"user-{index}"}, response=None,
            status=200, error_code=None, error_message=None, source_ip="127.0.0.1",
            user_agent="aws-cli/1.46.3", request_id=str(uuid.uuid4()), resources=[],
            replay=False, method="POST", path="/", query="", headers={}, body=b""))


def measure() -> dict[str, list[float]]:
    os.environ["GRADE_HOME"] = tempfile.mkdtemp(prefix="bench-delivery-")
    found: dict[str, list[float]] = {"day": [], "quiet": []}
    for run in range(RUNS):
        with tempfile.TemporaryDirectory() as folder:
            app = account_app(Path(folder))
            now = app.clock.now()  # type: ignore[attr-defined]
            start = now.replace(minute=1, second=0, microsecond=0) + dt.timedelta(hours=1)
            trail_logging(app, start, f"{BUCKET}-{run}")
            busy_day(app, start)
            began = time.perf_counter()
            app.pass_time(start + dt.timedelta(days=1, minutes=1))  # type: ignore[attr-defined]
            found["day"].append(time.perf_counter() - began)
            began = time.perf_counter()
            app.pass_time(start + dt.timedelta(days=101))  # type: ignore[attr-defined]
            found["quiet"].append(time.perf_counter() - began)
            print(f"run {run + 1}: {found['day'][-1]:.2f} s, {found['quiet'][-1]:.2f} s",
                  file=sys.stderr)
            app.record.close()  # type: ignore[attr-defined]
    return found


def report(found: dict[str, list[float]]) -> str:
    day, quiet = found["day"], found["quiet"]
    verdict = "ok" if statistics.median(day) <= BUDGET_S else "OVER"
    return "\n".join([
        "## CloudTrail's deliveries",
        "",
        f"Machine: {os.cpu_count()} cores, CPython {platform.python_version()}, "
        f"{platform.machine()}; {RUNS} runs. Produced by `bench/bench_delivery.py`.",
        "",
        "| What | Median | Worst | Budget |",
        "|---|---|---|---|",
        f"| a busy day ({EVENTS:,} events, 2 Regions): 576 log files, 48 signed digests "
        f"| {statistics.median(day) * 1000:.0f} ms | {max(day) * 1000:.0f} ms "
        f"| {BUDGET_S * 1000:.0f} ms ({verdict}) |",
        f"| then 100 quiet days: 4,800 signed digests, no log file "
        f"| {statistics.median(quiet) * 1000:.0f} ms | {max(quiet) * 1000:.0f} ms | none |",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, help="replace this section of a results file")
    options = parser.parse_args()
    text = report(measure())
    print(text)
    if options.write:
        sys.path.insert(0, str(ROOT / "bench"))
        from results import replace_section  # type: ignore[import-not-found]

        replace_section(options.write, "## CloudTrail's deliveries", text)


if __name__ == "__main__":
    main()
