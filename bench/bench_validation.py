"""What the front desk's input validation costs per request (not run as tests).

    .venv/bin/python bench/bench_validation.py [--write bench/RESULTS.md]

`grader.sandbox.front_desk.validation.refuse_invalid` runs on every authenticated request,
before authorization and before moto. Budget: well under 1 ms for a typical
request, so that one IAM read through the sandbox stays under its 20 ms. It is
timed here in-process, on the parameters moto's parser gives for typical
requests; "first" is a request's first call in the process, which compiles the
operation's rules from botocore's model once (the model itself is loaded
beforehand, as the server has loaded it to parse the request); "median" is
every call after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from moto.core.utils import get_service_model

from grader.sandbox.front_desk.validation import _partitions, refuse_invalid

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": [f"arn:aws:s3:::bucket-{i}/*" for i in range(20)]}]})
REQUESTS: list[tuple[str, str, str, dict[str, Any]]] = [
    ("iam get-user", "iam", "GetUser", {"UserName": "alice"}),
    ("iam list-users", "iam", "ListUsers", {"MaxItems": 100}),
    ("iam create-user, 3 tags", "iam", "CreateUser", {
        "UserName": "alice", "Path": "/staff/",
        "Tags": [{"Key": f"team-{i}", "Value": f"value {i}"} for i in range(3)]}),
    ("iam put-user-policy, 1 KB", "iam", "PutUserPolicy", {
        "UserName": "alice", "PolicyName": "read-buckets", "PolicyDocument": POLICY}),
    ("cloudtrail lookup-events", "cloudtrail", "LookupEvents", {
        "LookupAttributes": [{"AttributeKey": "Username", "AttributeValue": "root"}],
        "MaxResults": 50}),
]
RUNS = 20_000


def measure(service: str, operation: str, parameters: dict[str, Any]) -> tuple[float, float]:
    """(first call, median of later calls), in microseconds."""
    get_service_model(service)
    _partitions()
    started = time.perf_counter()
    assert refuse_invalid(service, operation, parameters, "us-east-1") is None
    first = time.perf_counter() - started
    samples = []
    for _ in range(RUNS // 100):
        started = time.perf_counter()
        for _ in range(100):
            refuse_invalid(service, operation, parameters, "us-east-1")
        samples.append((time.perf_counter() - started) / 100)
    return first * 1e6, statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", type=Path)
    options = parser.parse_args()
    rows = [(name, *measure(service, operation, parameters))
            for name, service, operation, parameters in REQUESTS]
    lines = [
        "",
        "## Input validation at the front desk",
        "",
        f"Machine: {os.cpu_count()} cores, CPython {platform.python_version()}, "
        f"{platform.machine()}, load average {os.getloadavg()[0]:.1f} while measured; "
        f"`refuse_invalid` called in-process, {RUNS} times per request. "
        "Produced by `bench/bench_validation.py`.",
        "",
        "| Request | First call (builds its rules) | Median per call | Budget |",
        "|---|---|---|---|",
    ]
    for name, first, median in rows:
        verdict = "ok" if median < 1000 else "OVER"
        lines.append(f"| {name} | {first:.0f} µs | {median:.1f} µs | 1000 µs ({verdict}) |")
    text = "\n".join(lines) + "\n"
    print(text)
    if options.write:
        with options.write.open("a", encoding="utf-8") as out:
            out.write(text)


if __name__ == "__main__":
    main()
