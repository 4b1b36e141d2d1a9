"""LookupEvents answers from the record: newest first, attributes, paging."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Course, client


def test_lookup_events_newest_first_with_identity(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="carol")
    cloudtrail = client(env, "cloudtrail")
    events = cloudtrail.lookup_events()["Events"]
    times = [e["EventTime"] for e in events]
    assert times == sorted(times, reverse=True)
    create = next(e for e in events if e["EventName"] == "CreateUser")
    assert create["Username"] == "root" and create["ReadOnly"] == "false"
    assert create["AccessKeyId"] == env["AWS_ACCESS_KEY_ID"]
    assert {"ResourceType": "AWS::IAM::User", "ResourceName": "carol"} in create["Resources"]
    record = json.loads(create["CloudTrailEvent"])
    assert record["userIdentity"]["type"] == "Root"
    assert record["eventSource"] == "iam.amazonaws.com"
    assert record["requestParameters"] == {"userName": "carol"}


def test_secrets_are_hidden_and_failures_recorded(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="dave")
    iam.create_login_profile(UserName="dave", Password="Very-Secret-Passphrase-9")
    with pytest.raises(ClientError):
        iam.get_user(UserName="nobody")
    cloudtrail = client(env, "cloudtrail")
    events = {e["EventName"]: json.loads(e["CloudTrailEvent"])
              for e in cloudtrail.lookup_events()["Events"]}
    assert "Very-Secret" not in json.dumps(events)
    assert events["CreateLoginProfile"]["requestParameters"]["password"] == \
        "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert events["GetUser"]["errorCode"] == "NoSuchEntity"


def test_lookup_attributes_and_paging(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    for number in range(7):
        iam.create_group(GroupName=f"team-{number}")
    cloudtrail = client(env, "cloudtrail")
    only = cloudtrail.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "CreateGroup"}], MaxResults=3)
    assert len(only["Events"]) == 3 and "NextToken" in only
    seen = [e["EventId"] for e in only["Events"]]
    token = only["NextToken"]
    while token:
        page = cloudtrail.lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "CreateGroup"}],
            MaxResults=3, NextToken=token)
        seen += [e["EventId"] for e in page["Events"]]
        token = page.get("NextToken")
    assert len(seen) == len(set(seen)) == 7
    writes = cloudtrail.lookup_events(LookupAttributes=[
        {"AttributeKey": "ReadOnly", "AttributeValue": "false"}])["Events"]
    assert all(e["ReadOnly"] == "false" for e in writes)
    by_root = cloudtrail.lookup_events(LookupAttributes=[
        {"AttributeKey": "Username", "AttributeValue": "root"}])["Events"]
    assert len(by_root) >= 7
    with pytest.raises(ClientError) as refused:
        cloudtrail.lookup_events(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "CreateGroup"},
            {"AttributeKey": "Username", "AttributeValue": "root"}])
    assert refused.value.response["Error"]["Code"] == "InvalidLookupAttributesException"


def test_unimplemented_operations_fail_fast_with_4xx(fresh: Course) -> None:
    import time

    env = fresh.sandbox_env()
    iam = client(env, "iam")
    started = time.monotonic()
    with pytest.raises(ClientError) as refused:
        iam.generate_service_last_accessed_details(Arn="arn:aws:iam::123456789012:user/x")
    assert time.monotonic() - started < 2
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "does not support iam:GenerateServiceLastAccessedDetails" in str(refused.value)
