"""CloudTrail delivers as AWS does: log files every 5 minutes of the account's time,
signed hourly digests that the real `aws cloudtrail validate-logs` accepts (and that
expose tampering), delivery errors when the bucket refuses, the same bytes on replay."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from typing import Any

import pytest

from grader.sandbox.services.cloudtrail.delivery import mark_before
from tests.conftest import BIN, Course, client
from tests.test_mfa import restart
from tests.test_role_sessions import account_id
from tests.test_trails import aws_policy, bucket_with

BUCKET = "delivered-logs"
LOG_KEY = re.compile(r"AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d\d)/(\d\d)/"
                     r"\1_CloudTrail_\2_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz")


def account_time(course: Course) -> dt.datetime:
    status = json.loads(course.grade("sandbox", "status", "--json").stdout)
    return dt.datetime.fromisoformat(status["accountTime"])


def advance(course: Course, duration: str) -> dt.datetime:
    done = course.grade("sandbox", "advance", duration)
    assert done.returncode == 0, done.stderr
    return account_time(course)


def logging_trail(course: Course, *, multi_region: bool = True, validation: bool = True,
                  name: str = "main", **extra: Any) -> Any:
    """A bucket with AWS's policy and a trail that logs into it."""
    account = account_id(course)
    bucket_with(course, BUCKET, aws_policy(BUCKET, account, name))
    trails = client(course.sandbox_env(), "cloudtrail")
    trails.create_trail(Name=name, S3BucketName=BUCKET, IsMultiRegionTrail=multi_region,
                        EnableLogFileValidation=validation, **extra)
    trails.start_logging(Name=name)
    return trails


def objects(course: Course, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every object of the bucket: its bytes, metadata and Last-Modified."""
    s3 = client(course.sandbox_env(), "s3")
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for listed in page.get("Contents", []):
            got = s3.get_object(Bucket=BUCKET, Key=listed["Key"])
            found[listed["Key"]] = {"body": got["Body"].read(), "metadata": got["Metadata"],
                                    "modified": got["LastModified"], "etag": listed["ETag"]}
    return found


def log_records(found: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [record for key, obj in sorted(found.items()) if "/CloudTrail/" in key
            for record in json.loads(gzip.decompress(obj["body"]))["Records"]]


def test_log_files_come_every_five_minutes_with_the_events_the_trail_logged(
        fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="before-the-trail")
    began = account_time(fresh)
    trails = logging_trail(fresh, validation=False)
    iam.create_user(UserName="while-logging")
    client(env | {"AWS_DEFAULT_REGION": "eu-west-1"}, "sns").list_topics()
    if mark_before(account_time(fresh)) == mark_before(began):  # no mark passed meanwhile
        assert objects(fresh) == {}, "nothing is delivered before the 5-minute mark"
    now = advance(fresh, "6m")
    found = objects(fresh)
    assert found, "a mark has passed: the logs are there"
    for key, obj in found.items():
        matched = LOG_KEY.fullmatch(key)
        assert matched, key
        assert obj["metadata"] == {}
        stamp = dt.datetime.strptime(matched.group(6), "%Y%m%dT%H%MZ").replace(tzinfo=dt.UTC)
        assert stamp.minute % 5 == 0 and stamp <= now and obj["modified"] == stamp
    regions = {LOG_KEY.fullmatch(key).group(2) for key in found}  # type: ignore[union-attr]
    assert regions == {"us-east-1", "eu-west-1"}
    records = log_records(found)
    names = [(r["eventName"], (r["requestParameters"] or {}).get("userName")) for r in records]
    assert ("CreateUser", "while-logging") in names
    assert ("CreateUser", "before-the-trail") not in names, "logged before the trail started"
    assert ("CreateTrail", None) not in [(n, None) for n, _ in names]
    assert {r["awsRegion"] for r in records} == {"us-east-1", "eu-west-1"}
    assert all(r["recipientAccountId"] == account_id(fresh) for r in records)
    status = trails.get_trail_status(Name="main")
    assert status["LatestDeliveryTime"] == max(o["modified"] for o in found.values())
    trails.stop_logging(Name="main")
    iam.create_user(UserName="after-the-trail")
    advance(fresh, "20m")
    later = log_records(objects(fresh))
    assert all((r["requestParameters"] or {}).get("userName") != "after-the-trail"
               for r in later)
    assert any(r["eventName"] == "StopLogging" for r in later), "logged while it still logged"


def test_a_single_region_trail_and_its_selectors_choose_what_is_delivered(
        fresh: Course) -> None:
    env = fresh.sandbox_env()
    trails = logging_trail(fresh, multi_region=False, validation=False,
                           IncludeGlobalServiceEvents=False)
    trails.put_event_selectors(TrailName="main", EventSelectors=[
        {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    client(env, "s3").create_bucket(Bucket="a-write-in-us-east-1")
    client(env, "s3").list_buckets()  # a read: left out
    client(env, "iam").create_user(UserName="global")  # IAM: a global service, left out
    client(env | {"AWS_DEFAULT_REGION": "eu-west-1"}, "sns").create_topic(Name="elsewhere")
    advance(fresh, "10m")
    records = log_records(objects(fresh))
    names = {r["eventName"] for r in records}
    assert "CreateBucket" in names
    assert not names & {"ListBuckets", "CreateUser", "CreateTopic"}, names
    assert all(r["readOnly"] is False and r["awsRegion"] == "us-east-1" for r in records)


def test_a_bucket_that_stops_allowing_cloudtrail_gets_nothing_until_it_does_again(
        fresh: Course) -> None:
    env = fresh.sandbox_env()
    trails = logging_trail(fresh, validation=False)
    s3 = client(env, "s3")
    s3.delete_bucket_policy(Bucket=BUCKET)
    client(env, "iam").create_user(UserName="waits")
    advance(fresh, "6m")
    assert objects(fresh) == {}
    status = trails.get_trail_status(Name="main")
    assert status["LatestDeliveryError"] == "AccessDenied"
    assert status["LatestDeliveryAttemptTime"] and not status["LatestDeliveryAttemptSucceeded"]
    assert "LatestDeliveryTime" not in status
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(
        aws_policy(BUCKET, account_id(fresh), "main")))
    advance(fresh, "5m")
    names = [(r["requestParameters"] or {}).get("userName") for r in log_records(objects(fresh))]
    assert "waits" in names, "the events waited for the next delivery"
    status = trails.get_trail_status(Name="main")
    assert "LatestDeliveryError" not in status and status["LatestDeliveryTime"]


def validate_logs(course: Course, trail_arn: str, start: dt.datetime, end: dt.datetime,
                  region: str = "us-east-1") -> tuple[int, str]:
    """The real AWS CLI's `validate-logs` (it reads S3 at the endpoint of the environment)."""
    done = course.run([str(BIN / "aws"), "cloudtrail", "validate-logs",
                       "--trail-arn", trail_arn, "--region", region, "--verbose",
                       "--start-time", start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "--end-time", end.strftime("%Y-%m-%dT%H:%M:%SZ")])
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def validated(fresh: Course) -> tuple[Course, str, dt.datetime, dt.datetime]:
    """A multi-Region trail with validation that has logged for over two hours."""
    start = account_time(fresh)
    trails = logging_trail(fresh)
    env = fresh.sandbox_env()
    client(env, "iam").create_user(UserName="first")
    client(env | {"AWS_DEFAULT_REGION": "eu-west-1"}, "sns").list_topics()
    advance(fresh, "65m")
    client(env, "iam").create_user(UserName="second")
    end = advance(fresh, "70m")
    arn = trails.describe_trails()["trailList"][0]["TrailARN"]
    return fresh, arn, start - dt.timedelta(hours=1), end


def test_validate_logs_accepts_every_digest_and_log_as_delivered(
        validated: tuple[Course, str, dt.datetime, dt.datetime]) -> None:
    course, arn, start, end = validated
    for region in ("us-east-1", "eu-west-1"):
        code, said = validate_logs(course, arn, start, end, region)
        assert code == 0, said
        digests = re.search(r"(\d+)/(\d+) digest files valid", said)
        logs = re.search(r"(\d+)/(\d+) log files valid", said)
        assert digests and int(digests.group(1)) >= 2, said
        assert logs and logs.group(1) == logs.group(2) and int(logs.group(1)) >= 1, said
        assert "INVALID" not in said
    public_keys_are_the_regions_own_and_sign_the_digests(course, start, end)


def _first(found: dict[str, dict[str, Any]], folder: str) -> str:
    return sorted(key for key in found if f"/{folder}/us-east-1/" in key)[0]


TAMPERINGS = {  # what is done to the first log file or digest, and what validate-logs says
    "log changed": "INVALID: hash value doesn't match",
    "log deleted": "INVALID: not found",
    "digest changed": "INVALID: signature verification failed",
    "digest deleted": "INVALID: not found",
    "digest names a forger's key": "INVALID: public key not found",
}


def _tamper(s3: Any, found: dict[str, dict[str, Any]], tampering: str) -> str:
    """Do `tampering`; returns the key it touched."""
    log, digest = _first(found, "CloudTrail"), _first(found, "CloudTrail-Digest")
    key = log if tampering.startswith("log") else digest
    if tampering.endswith("deleted"):
        s3.delete_object(Bucket=BUCKET, Key=key)
        return key
    document = json.loads(gzip.decompress(found[key]["body"]))
    if tampering == "log changed":
        document["Records"] = document["Records"][1:]  # an event removed
    elif tampering == "digest changed":
        document["logFiles"] = []
    else:
        document["digestPublicKeyFingerprint"] = "0" * 32
    s3.put_object(Bucket=BUCKET, Key=key, Metadata=found[key]["metadata"],
                  Body=gzip.compress(json.dumps(document).encode()))
    return key


def test_validate_logs_and_the_grader_find_each_tampering(
        validated: tuple[Course, str, dt.datetime, dt.datetime]) -> None:
    """The real AWS CLI and the grader's own validation (`grader.checks.trail_logs`) both
    accept the logs as delivered and find each tampering; the grader also finds a log file
    added by hand and the latest digest deleted, which the AWS CLI cannot see."""
    from grader.checks.trail_logs import validate
    from tests.test_live_guard import grader_target

    course, arn, start, end = validated
    s3 = client(course.sandbox_env(), "s3")
    trail = client(course.sandbox_env(), "cloudtrail").describe_trails()["trailList"][0]
    for region in ("us-east-1", "eu-west-1"):
        graded = validate(grader_target(course), trail, region)
        assert graded.valid and graded.digests >= 2 and graded.logs >= 1, graded
    found = objects(course)
    for tampering, expected in TAMPERINGS.items():
        key = _tamper(s3, found, tampering)
        code, said = validate_logs(course, arn, start, end)
        assert code == 1 and expected in said, (tampering, said)
        graded = validate(grader_target(course), trail, "us-east-1")
        assert not graded.valid and graded.problems, (tampering, graded)
        s3.put_object(Bucket=BUCKET, Key=key, Body=found[key]["body"],
                      Metadata=found[key]["metadata"])  # put back as it was
    code, said = validate_logs(course, arn, start, end)
    assert code == 0 and "INVALID" not in said, said
    log = _first(found, "CloudTrail")
    added = log.replace(log.split("_")[-1], "AddedByHand00000.json.gz")
    s3.put_object(Bucket=BUCKET, Key=added, Body=found[log]["body"])
    assert validate_logs(course, arn, start, end)[0] == 0, "the AWS CLI cannot see it"
    graded = validate(grader_target(course), trail, "us-east-1")
    assert any(added in p and "did not deliver" in p for p in graded.problems), graded
    s3.delete_object(Bucket=BUCKET, Key=added)
    newest = sorted(k for k in found if "/CloudTrail-Digest/us-east-1/" in k)[-1]
    s3.delete_object(Bucket=BUCKET, Key=newest)  # the end of the chain: only the status knows
    graded = validate(grader_target(course), trail, "us-east-1")
    assert any("is gone" in p for p in graded.problems), graded


def public_keys_are_the_regions_own_and_sign_the_digests(
        course: Course, start: dt.datetime, end: dt.datetime) -> None:
    import rsa

    env = course.sandbox_env()
    keys = {}
    for region in ("us-east-1", "eu-west-1"):
        listed = client(env | {"AWS_DEFAULT_REGION": region}, "cloudtrail").list_public_keys(
            StartTime=start, EndTime=end)["PublicKeyList"]
        assert len(listed) == 1
        key = listed[0]
        assert key["Fingerprint"] == hashlib.md5(key["Value"]).hexdigest()
        assert key["ValidityStartTime"] <= start < end <= key["ValidityEndTime"]
        keys[region] = key
    assert keys["us-east-1"]["Value"] != keys["eu-west-1"]["Value"]
    found = objects(course, "AWSLogs")
    digest = _first(found, "CloudTrail-Digest")
    body = gzip.decompress(found[digest]["body"])
    document = json.loads(body)
    assert document["digestPublicKeyFingerprint"] == keys["us-east-1"]["Fingerprint"]
    assert found[digest]["metadata"]["signature-algorithm"] == "SHA256withRSA"
    signed = (f"{document['digestEndTime']}\n{BUCKET}/{digest}\n"
              f"{hashlib.sha256(body).hexdigest()}\n"
              f"{document['previousDigestSignature'] or 'null'}").encode()
    public = rsa.PublicKey.load_pkcs1(keys["us-east-1"]["Value"], format="DER")
    rsa.verify(signed, bytes.fromhex(found[digest]["metadata"]["signature"]), public)
    later = sorted(k for k in found if "/CloudTrail-Digest/us-east-1/" in k)
    chained = json.loads(gzip.decompress(found[later[1]]["body"]))
    assert chained["previousDigestS3Object"] == later[0]
    assert chained["previousDigestSignature"] == found[later[0]]["metadata"]["signature"]
    assert chained["previousDigestHashValue"] == hashlib.sha256(body).hexdigest()


def test_a_restarted_account_has_the_same_files_byte_for_byte(
        validated: tuple[Course, str, dt.datetime, dt.datetime]) -> None:
    course, arn, start, end = validated
    taken = account_time(course)  # every mark up to it delivers before the snapshot's end
    before = {k: v for k, v in objects(course).items() if v["modified"] <= taken}
    status_before = client(course.sandbox_env(), "cloudtrail").get_trail_status(Name="main")
    restart(course)
    # Time goes on meanwhile: a mark passed during the restart delivers the reads above
    # in a new file. Everything delivered up to `taken` must come back the same.
    assert {k: v for k, v in objects(course).items() if v["modified"] <= taken} == before
    status = client(course.sandbox_env(), "cloudtrail").get_trail_status(Name="main")
    later = any(v["modified"] > taken for v in objects(course).values()) or \
        status_before["LatestDeliveryTime"] > taken
    for field in ("LatestDeliveryTime", "LatestDigestDeliveryTime", "StartLoggingTime"):
        if field == "StartLoggingTime" or not later:  # a delivery since `taken` moves them
            assert status[field] == status_before[field], field
    assert validate_logs(course, arn, start, end)[0] == 0
