"""Steps of the exercise, done right, from which each wrong solution here is built
with exactly one mistake. Every script runs as your IAM admin user from exercise 03
(with its long-term key, or in an MFA session), and writes its answer to $ANSWERS:

    ANSWERS=/tmp/answers.toml AWS_PROFILE=sandbox-admin python broken/NAME.py

and says in its docstring which checks must fail (`fails: ...`).
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import boto3

TRAIL = "main"
ROOT_SIGN_IN = {"detail-type": ["AWS Console Sign In via CloudTrail"],
                "detail": {"userIdentity": {"type": ["Root"]}}}
ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True,
               "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


@functools.cache
def me() -> Any:
    return boto3.Session()


@functools.cache
def account() -> str:
    return str(me().client("sts").get_caller_identity()["Account"])


def bucket() -> str:
    return f"trail-logs-{account()}"


def trail_arn() -> str:
    return f"arn:aws:cloudtrail:us-east-1:{account()}:trail/{TRAIL}"


def cloudtrail_statements() -> list[dict[str, Any]]:
    """The bucket policy's two statements for CloudTrail (CloudTrail User Guide)."""
    source = {"aws:SourceArn": trail_arn()}
    return [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket()}",
         "Condition": {"StringEquals": source}},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket()}/AWSLogs/{account()}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                        **source}}},
    ]


def make_bucket(statements: list[dict[str, Any]] | None = None,
                blocks: dict[str, bool] | None = None) -> None:
    s3 = me().client("s3")
    s3.create_bucket(Bucket=bucket())
    s3.put_public_access_block(Bucket=bucket(),
                               PublicAccessBlockConfiguration=blocks or ALL_BLOCKED)
    s3.put_bucket_policy(Bucket=bucket(), Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": cloudtrail_statements() if statements is None else statements}))


def make_trail(multi_region: bool = True, validation: bool = True, start: bool = True,
               selectors: list[dict[str, Any]] | None = None) -> None:
    cloudtrail = me().client("cloudtrail")
    cloudtrail.create_trail(Name=TRAIL, S3BucketName=bucket(), IsMultiRegionTrail=multi_region,
                            EnableLogFileValidation=validation)
    if selectors is not None:
        cloudtrail.put_event_selectors(TrailName=TRAIL, EventSelectors=selectors)
    if start:
        cloudtrail.start_logging(Name=TRAIL)


def make_alert(pattern: dict[str, Any] | None = None, allow_events: bool = True,
               region: str = "us-east-1") -> None:
    sns = me().client("sns", region_name=region)
    events = me().client("events", region_name=region)
    topic = sns.create_topic(Name="root-sign-in")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="security@example.com")
    rule = events.put_rule(Name="root-sign-in",
                           EventPattern=json.dumps(pattern or ROOT_SIGN_IN))["RuleArn"]
    if allow_events:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(
            {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish", "Resource": topic,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule}}}]}))
    events.put_targets(Rule="root-sign-in", Targets=[{"Id": "mail", "Arn": topic}])


def colleagues_work() -> None:
    """`grade start 05`, then two hours for the logs and digests to come."""
    subprocess.run(["grade", "start", "05"], check=True, capture_output=True)
    subprocess.run(["grade", "sandbox", "advance", "2h"], check=True, capture_output=True)


def account_time() -> str:
    """The account's time now, as the AWS CLI takes it (2026-12-07T16:05:00Z)."""
    status = json.loads(subprocess.run(["grade", "sandbox", "status", "--json"], check=True,
                                       capture_output=True, text=True).stdout)
    return str(status["accountTime"])[:19] + "Z"


def validate_logs(start: str | None = None) -> subprocess.CompletedProcess[str]:
    """`aws cloudtrail validate-logs` from when the trail started logging (or `start`) to
    the account's time now; it may fail (no trail, no digest): a learner's try."""
    if start is None:
        try:
            started = me().client("cloudtrail").get_trail_status(Name=TRAIL)["StartLoggingTime"]
            start = f"{started:%Y-%m-%dT%H:%M:%SZ}"
        except Exception:  # no trail, or never started
            start = "2026-01-01T00:00:00Z"
    return subprocess.run(["aws", "cloudtrail", "validate-logs", "--trail-arn", trail_arn(),
                           "--start-time", start, "--end-time", account_time()],
                          capture_output=True, text=True)


def incident() -> dict[str, Any]:
    """The event that opened the reports bucket to anyone, from the event history."""
    found = []
    for page in me().client("cloudtrail").get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName",
                               "AttributeValue": "PutBucketPolicy"}]):
        for listed in page["Events"]:
            record = json.loads(listed["CloudTrailEvent"])
            parameters = record.get("requestParameters") or {}
            policy = parameters.get("policy") or parameters.get("bucketPolicy") or {}
            policy = json.loads(policy) if isinstance(policy, str) else policy
            if str(parameters.get("bucket", "")).startswith("team-reports-") and any(
                    s.get("Principal") == "*" for s in policy.get("Statement", [])):
                found.append(record)
    return min(found, key=lambda record: record["eventTime"])


def answer(who: str | None = None, when: str | None = None) -> None:
    record = incident()
    Path(os.environ["ANSWERS"]).write_text(
        f'who = "{who or record["userIdentity"]["userName"]}"\n'
        f'when = "{when or record["eventTime"]}"\n', encoding="utf-8")


def first_log_file() -> str:
    s3 = me().client("s3")
    listed = s3.list_objects_v2(Bucket=bucket(),
                                Prefix=f"AWSLogs/{account()}/CloudTrail/us-east-1/")
    return str(sorted(item["Key"] for item in listed["Contents"])[0])


def edit_log_file(key: str) -> None:
    """Remove the first event of a delivered log file, as someone covering tracks would."""
    s3 = me().client("s3")
    document = json.loads(gzip.decompress(s3.get_object(Bucket=bucket(), Key=key)["Body"].read()))
    document["Records"] = document["Records"][1:]
    s3.put_object(Bucket=bucket(), Key=key, Body=gzip.compress(json.dumps(document).encode()))


def everything() -> None:
    make_bucket()
    make_trail()
    make_alert()
    colleagues_work()
    answer()
    validate_logs()
