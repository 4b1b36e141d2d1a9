"""A learner's record made by an earlier version of the course (its moto and botocore), and
what it rebuilds into: `tests/test_old_record.py` replays it with today's.

Made once, and kept: `python -m tests.old_record` (it starts a simulated account, adds a
trail that delivers to a bucket, solves 03 with its boto3 solution, moves the account's
clock by an hour so that the trail delivers, and writes `tests/data/old-record/`: the
account's identity as a submission carries it, its record, and the state it rebuilds
into). Run it again only to replace the record with one made by the code of today: the
point of the test is that an old record keeps rebuilding into the same account.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.conftest import EXERCISES, ROOT, Course

DATA = ROOT / "tests" / "data" / "old-record"
IDENTITY = DATA / "account.json"
RECORD = DATA / "record.sqlite"
EXPECTED = DATA / "rebuilt.json"

TRAIL_SETUP = """
import json, boto3
account = boto3.client("sts").get_caller_identity()["Account"]
bucket = "old-record-trail-logs"
s3 = boto3.client("s3")
s3.create_bucket(Bucket=bucket)
s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
     "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}"},
    {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
     "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account}/*",
     "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}}]}))
trail = boto3.client("cloudtrail")
trail.create_trail(Name="old-record-trail", S3BucketName=bucket, IsMultiRegionTrail=True,
                   EnableLogFileValidation=True)
trail.start_logging(Name="old-record-trail")
boto3.client("iam").list_users()
"""


def rebuilt_state(app: Any) -> dict[str, Any]:
    """What a rebuilt account holds, ids and dates included: IAM (the root user's keys,
    users, groups, customer policies, MFA devices), S3 (buckets and their objects'
    keys, ETags and versions) and CloudTrail (trails and their status)."""
    from moto.cloudtrail.models import cloudtrail_backends
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends

    from grader.sandbox.services.iam.models import root_of

    account_id = app.account.account_id
    iam = iam_backends[account_id]["aws"]
    root = root_of(iam)
    s3 = s3_backends[account_id]["aws"]
    trails = cloudtrail_backends[account_id][app.account.region]
    return {
        "root_keys": [[k.access_key_id, k.status, str(k.create_date)]
                      for k in (root.access_keys if root else [])],
        "users": {u.name: {"id": u.id, "arn": u.arn, "created": str(u.create_date),
                           "keys": [[k.access_key_id, k.status] for k in u.access_keys],
                           "policies": sorted(u.managed_policies),
                           "has_password": bool(u.password),
                           "mfa": sorted(u.mfa_devices)}
                  for u in iam.users.values()},
        "groups": {g.name: {"id": g.id, "arn": g.arn, "users": sorted(u.name for u in g.users),
                            "policies": sorted(g.managed_policies)}
                   for g in iam.groups.values()},
        "policies": {arn: {"id": p.id, "version": p.default_version_id}
                     for arn, p in iam.managed_policies.items()
                     if not arn.startswith("arn:aws:iam::aws:")},
        "buckets": {name: sorted([key.name, key.etag, str(key.version_id)]
                                 for key in bucket.keys.values())
                    for name, bucket in s3.buckets.items()},
        "trails": {name: {"arn": t.arn, "bucket": t.bucket_name,
                          "logging": t.status.is_logging}
                   for name, t in trails.trails.items()},
    }


def copy_of_record(folder: Path) -> Path:
    """A copy of the committed record in `folder`, to open (opening a record may add to
    it what today's code keeps: the committed one stays as it was made)."""
    copy = folder / "old-record.sqlite"
    shutil.copyfile(RECORD, copy)
    return copy


def rebuild_old_record(folder: Path) -> Any:
    """The committed record rebuilt in this process (its record copied into `folder`),
    graded at the time of its last event."""
    from grader.sandbox.history.rebuild import identity, rebuild
    from grader.sandbox.history.record import COLUMNS, Record

    identity_sent = json.loads(IDENTITY.read_text(encoding="utf-8"))
    record = Record(copy_of_record(folder))
    events = record.stored()
    record.close()
    at = COLUMNS.index("event_time")
    last = max(dt.datetime.fromisoformat(columns[at]) for _, columns, _ in events)
    return rebuild(identity(identity_sent), events, folder, last)


def make() -> None:
    """Make the record with today's code, and write what it rebuilds into."""
    from grader.progress.submission import account_identity
    from grader.sandbox.account import load_account

    with tempfile.TemporaryDirectory() as scratch:
        course = Course(Path(scratch) / "grade-home")
        assert course.grade("sandbox", "start").returncode == 0
        try:
            solution = EXERCISES / "03-stop-using-root" / "solution" / "solution_boto3.py"
            for command in ([sys.executable, "-c", TRAIL_SETUP],  # root's key: 03 deletes it
                            [sys.executable, str(solution)]):
                done = course.run(command)
                assert done.returncode == 0, done.stderr
            advanced = course.grade("sandbox", "advance", "1h")
            assert advanced.returncode == 0, advanced.stderr
        finally:
            course.grade("sandbox", "stop")
        account = load_account(course.home / "sandbox")
        assert account is not None
        DATA.mkdir(parents=True, exist_ok=True)
        IDENTITY.write_text(json.dumps(account_identity(account), indent=2) + "\n")
        shutil.copyfile(course.home / "sandbox" / "record.sqlite", RECORD)
    with tempfile.TemporaryDirectory() as scratch:
        rebuilt = rebuild_old_record(Path(scratch))
        assert rebuilt.problems == [], rebuilt.problems
        EXPECTED.write_text(json.dumps(rebuilt_state(rebuilt.app), indent=2, sort_keys=True)
                            + "\n")


if __name__ == "__main__":
    make()
