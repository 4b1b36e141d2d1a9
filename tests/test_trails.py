"""Trails as AWS creates them: the bucket's policy must let CloudTrail deliver (evaluated,
with aws:SourceArn and aws:SourceAccount), and a trail name is used once."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Course, client
from tests.test_mfa import restart
from tests.test_role_sessions import account_id

REGION = "us-east-1"


def aws_policy(bucket: str, account: str, trail: str, prefix: str = "") -> dict[str, Any]:
    """The bucket policy of the CloudTrail User Guide ("Amazon S3 bucket policy for
    CloudTrail"), for one trail."""
    folder = f"{prefix}/" if prefix else ""
    source = f"arn:aws:cloudtrail:{REGION}:{account}:trail/{trail}"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}",
         "Condition": {"StringEquals": {"aws:SourceArn": source}}},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/{folder}AWSLogs/{account}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                        "aws:SourceArn": source}}},
    ]}


def bucket_with(course: Course, name: str, policy: dict[str, Any] | None) -> None:
    s3 = client(course.sandbox_env(), "s3")
    s3.create_bucket(Bucket=name)
    if policy is not None:
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))


def refused(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as error:
        call(**params)
    found = error.value.response["Error"]
    return str(found["Code"]), str(found["Message"])


INSUFFICIENT = "InsufficientS3BucketPolicyException"


def test_a_trail_needs_a_bucket_policy_that_lets_cloudtrail_deliver(fresh: Course) -> None:
    account = account_id(fresh)
    trails = client(fresh.sandbox_env(), "cloudtrail")
    bucket_with(fresh, "no-policy-logs", None)
    assert refused(trails.create_trail, Name="main", S3BucketName="no-policy-logs") == (
        INSUFFICIENT, "Incorrect S3 bucket policy is detected for bucket: no-policy-logs")
    assert refused(trails.create_trail, Name="main", S3BucketName="nowhere-at-all")[0] == \
        "S3BucketDoesNotExistException"
    good = aws_policy("trail-logs", account, "main")
    wrong: dict[str, dict[str, Any]] = {}
    acl_only = copy.deepcopy(good)
    del acl_only["Statement"][1]
    wrong["no write to AWSLogs/<account>"] = acl_only
    wrong["another trail in aws:SourceArn"] = aws_policy("trail-logs", account, "other")
    other_account = copy.deepcopy(good)
    other_account["Statement"][1]["Resource"] = "arn:aws:s3:::trail-logs/AWSLogs/111122223333/*"
    wrong["another account's folder"] = other_account
    denied = copy.deepcopy(good)
    denied["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                                "Resource": "arn:aws:s3:::trail-logs/*"})
    wrong["a Deny of every write"] = denied
    someone_else = copy.deepcopy(good)
    for statement in someone_else["Statement"]:
        statement["Principal"] = {"Service": "config.amazonaws.com"}
    wrong["another service"] = someone_else
    bucket_with(fresh, "trail-logs", None)
    s3 = client(fresh.sandbox_env(), "s3")
    for why, policy in wrong.items():
        s3.put_bucket_policy(Bucket="trail-logs", Policy=json.dumps(policy))
        assert refused(trails.create_trail, Name="main", S3BucketName="trail-logs")[0] == \
            INSUFFICIENT, why
    assert trails.describe_trails()["trailList"] == []
    s3.put_bucket_policy(Bucket="trail-logs", Policy=json.dumps(good))
    made = trails.create_trail(Name="main", S3BucketName="trail-logs", IsMultiRegionTrail=True)
    assert made["TrailARN"] == f"arn:aws:cloudtrail:{REGION}:{account}:trail/main"


def test_a_prefix_must_be_the_one_the_policy_allows(fresh: Course) -> None:
    account = account_id(fresh)
    trails = client(fresh.sandbox_env(), "cloudtrail")
    bucket_with(fresh, "prefixed-logs", aws_policy("prefixed-logs", account, "audit", "org"))
    assert refused(trails.create_trail, Name="audit", S3BucketName="prefixed-logs",
                   S3KeyPrefix="elsewhere")[0] == INSUFFICIENT
    assert refused(trails.create_trail, Name="audit", S3BucketName="prefixed-logs")[0] == \
        INSUFFICIENT
    trails.create_trail(Name="audit", S3BucketName="prefixed-logs", S3KeyPrefix="org")


def test_a_name_is_used_once(fresh: Course) -> None:
    """moto would replace the first trail; AWS refuses the second, in the Region and, for a
    multi-Region trail, in every Region."""
    account = account_id(fresh)
    env = fresh.sandbox_env()
    trails = client(env, "cloudtrail")
    bucket_with(fresh, "once-logs", aws_policy("once-logs", account, "main"))
    trails.create_trail(Name="main", S3BucketName="once-logs", IsMultiRegionTrail=True)
    message = f"Trail main already exists for customer: {account}"
    assert refused(trails.create_trail, Name="main", S3BucketName="once-logs") == (
        "TrailAlreadyExistsException", message)
    elsewhere = client(env | {"AWS_DEFAULT_REGION": "eu-west-1"}, "cloudtrail")
    assert refused(elsewhere.create_trail, Name="main", S3BucketName="once-logs")[0] == \
        "TrailAlreadyExistsException"
    [trail] = trails.describe_trails()["trailList"]
    assert trail["IsMultiRegionTrail"] is True


def test_moving_a_trail_to_a_bucket_that_refuses_it_changes_nothing(fresh: Course) -> None:
    account = account_id(fresh)
    trails = client(fresh.sandbox_env(), "cloudtrail")
    bucket_with(fresh, "first-logs", aws_policy("first-logs", account, "main"))
    bucket_with(fresh, "second-logs", None)
    trails.create_trail(Name="main", S3BucketName="first-logs")
    assert refused(trails.update_trail, Name="main", S3BucketName="second-logs")[0] == \
        INSUFFICIENT
    assert refused(trails.update_trail, Name="main", S3KeyPrefix="moved")[0] == INSUFFICIENT
    [trail] = trails.describe_trails()["trailList"]
    assert trail["S3BucketName"] == "first-logs" and "S3KeyPrefix" not in trail
    trails.update_trail(Name="main", EnableLogFileValidation=True)  # no bucket change: no check


def test_a_trail_made_once_comes_back_after_its_policy_is_gone(fresh: Course) -> None:
    """The bucket's policy removed after the trail was made, the account restarted: the
    trail is rebuilt from the record, in order, as it was."""
    account = account_id(fresh)
    trails = client(fresh.sandbox_env(), "cloudtrail")
    bucket_with(fresh, "kept-logs", aws_policy("kept-logs", account, "kept"))
    trails.create_trail(Name="kept", S3BucketName="kept-logs")
    client(fresh.sandbox_env(), "s3").delete_bucket_policy(Bucket="kept-logs")
    restart(fresh)
    names = [t["Name"] for t in client(fresh.sandbox_env(), "cloudtrail").describe_trails()[
        "trailList"]]
    assert names == ["kept"]


def test_a_replayed_trail_is_not_judged_again() -> None:
    """What a newer rule of the simulated account would refuse, the record keeps: a
    replayed CreateTrail is not checked (no bucket is even looked up)."""
    from grader.sandbox.history.record import REPLAYING
    from grader.sandbox.services.cloudtrail.models import check_bucket, check_new_name

    token = REPLAYING.set(True)
    try:
        check_bucket("123456789012", REGION, "main", "a-bucket-that-is-not-there", None)
        check_new_name(None, "main")
    finally:
        REPLAYING.reset(token)
    from moto.s3.exceptions import MissingBucket

    with pytest.raises(MissingBucket):  # judged, the bucket is looked up
        check_bucket("123456789012", REGION, "main", "a-bucket-that-is-not-there", None)


def test_the_status_tells_only_what_happened(fresh: Course) -> None:
    """No delivery has happened, so none is reported (moto reports one at every call);
    starting and stopping are at the account's time; only the home Region may."""
    account = account_id(fresh)
    env = fresh.sandbox_env()
    trails = client(env, "cloudtrail")
    bucket_with(fresh, "status-logs", aws_policy("status-logs", account, "main"))
    trails.create_trail(Name="main", S3BucketName="status-logs", IsMultiRegionTrail=True)
    status = trails.get_trail_status(Name="main")
    assert status["IsLogging"] is False and "StartLoggingTime" not in status
    elsewhere = client(env | {"AWS_DEFAULT_REGION": "eu-west-1"}, "cloudtrail")
    assert refused(elsewhere.start_logging, Name="main")[0] == "InvalidHomeRegionException"
    arn = f"arn:aws:cloudtrail:{REGION}:{account}:trail/main"
    assert refused(elsewhere.stop_logging, Name=arn)[0] == "InvalidHomeRegionException"
    assert fresh.grade("sandbox", "advance", "2h").returncode == 0
    trails.start_logging(Name="main")
    status = trails.get_trail_status(Name="main")
    assert status["IsLogging"] is True
    for absent in ("LatestDeliveryTime", "LatestDigestDeliveryTime", "LatestDeliveryError"):
        assert absent not in status, absent
    assert status["LatestDeliveryAttemptTime"] == ""
    started = status["StartLoggingTime"]
    account_now = json.loads(fresh.grade("sandbox", "status", "--json").stdout)["accountTime"]
    assert abs((dt.datetime.fromisoformat(account_now) - started).total_seconds()) < 120
    trails.stop_logging(Name=arn)
    status = trails.get_trail_status(Name="main")
    assert status["IsLogging"] is False and status["StopLoggingTime"] >= started
