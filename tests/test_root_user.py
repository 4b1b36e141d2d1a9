"""The root user of the simulated account behaves as AWS documents."""

from __future__ import annotations

import base64
import csv
import io
import json

import pytest
from botocore.exceptions import ClientError

from grader.sandbox.services.iam.models import COLUMNS
from tests.conftest import Course, boto3_session, client


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_root_keys_authenticate_as_root(fresh: Course) -> None:
    env = fresh.sandbox_env()
    identity = client(env, "sts").get_caller_identity()
    account = fresh.account()["account_id"]
    assert identity["Arn"] == f"arn:aws:iam::{account}:root"
    assert identity["Account"] == identity["UserId"] == account


def test_new_account_root_key_has_been_used(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    keys = iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [env["AWS_ACCESS_KEY_ID"]]
    assert "UserName" not in keys[0]
    used = iam.get_access_key_last_used(AccessKeyId=env["AWS_ACCESS_KEY_ID"])
    assert used["AccessKeyLastUsed"]["ServiceName"] == "iam"
    assert iam.list_users()["Users"] == []
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["AccountAccessKeysPresent"] == 1
    assert summary["AccountMFAEnabled"] == 0


def test_root_may_delete_the_key_it_signs_with(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.delete_access_key(AccessKeyId=env["AWS_ACCESS_KEY_ID"])
    with pytest.raises(ClientError) as refused:
        iam.list_access_keys()
    assert error_code(refused) == "InvalidClientTokenId"
    assert "security token included in the request is invalid" in str(refused.value)


def test_inactive_and_unknown_keys_are_refused(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    second = iam.create_access_key()["AccessKey"]
    iam.update_access_key(AccessKeyId=env["AWS_ACCESS_KEY_ID"], Status="Inactive")
    with pytest.raises(ClientError) as refused:
        iam.list_users()
    assert error_code(refused) == "InvalidClientTokenId"
    other = {**env, "AWS_ACCESS_KEY_ID": second["AccessKeyId"],
             "AWS_SECRET_ACCESS_KEY": second["SecretAccessKey"]}
    assert client(other, "iam").get_account_summary()["SummaryMap"]["AccountAccessKeysPresent"] == 1
    unknown = {**env, "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}
    with pytest.raises(ClientError) as refused:
        client(unknown, "sts").get_caller_identity()
    assert error_code(refused) == "InvalidClientTokenId"
    with pytest.raises(ClientError) as refused:
        client(unknown, "s3").list_buckets()
    assert error_code(refused) == "InvalidAccessKeyId"


def test_root_key_operations_without_user_name_act_on_root_only(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="alice")
    alice_key = iam.create_access_key(UserName="alice")["AccessKey"]
    with pytest.raises(ClientError) as refused:
        iam.delete_access_key(AccessKeyId=alice_key["AccessKeyId"])
    assert error_code(refused) == "NoSuchEntity"
    assert "cannot be found" in str(refused.value)
    iam.create_access_key()
    with pytest.raises(ClientError) as refused:
        iam.create_access_key()
    assert error_code(refused) == "LimitExceeded"
    # An IAM user without a user name acts on its own keys and cannot touch root's.
    iam.put_user_policy(UserName="alice", PolicyName="own-keys", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["iam:ListAccessKeys", "iam:DeleteAccessKey"],
            "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
    alice = {**env, "AWS_ACCESS_KEY_ID": alice_key["AccessKeyId"],
             "AWS_SECRET_ACCESS_KEY": alice_key["SecretAccessKey"]}
    alice_iam = client(alice, "iam")
    own = alice_iam.list_access_keys()["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in own] == [alice_key["AccessKeyId"]]
    with pytest.raises(ClientError) as refused:
        alice_iam.delete_access_key(AccessKeyId=env["AWS_ACCESS_KEY_ID"])
    assert error_code(refused) == "NoSuchEntity"
    assert len(iam.list_access_keys()["AccessKeyMetadata"]) == 2


def test_the_graders_report_is_not_the_learners(fresh: Course) -> None:
    """The checks generate a credential report to read root's row: that must not make the
    learner's GetCredentialReport succeed, nor end the report the learner made."""
    iam = client(fresh.sandbox_env(), "iam")
    assert fresh.grade("03", "--json").returncode == 1  # its checks read the report
    with pytest.raises(ClientError) as missing:
        iam.get_credential_report()
    assert error_code(missing) == "ReportNotPresent"
    iam.generate_credential_report()
    made = iam.get_credential_report()["GeneratedTime"]
    fresh.grade("03", "--json")
    assert iam.get_credential_report()["GeneratedTime"] == made


def test_credential_report_starts_with_root_in_aws_format(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="A-long-enough-passphrase-1")
    with pytest.raises(ClientError) as missing:
        iam.get_credential_report()
    assert error_code(missing) == "ReportNotPresent"
    iam.generate_credential_report()
    report = iam.get_credential_report()
    content = report["Content"]
    text = (content if isinstance(content, bytes) else base64.b64decode(content)).decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS and len(COLUMNS) == 22
    root = dict(zip(COLUMNS, rows[1], strict=True))
    account = fresh.account()["account_id"]
    assert root["user"] == "<root_account>"
    assert root["arn"] == f"arn:aws:iam::{account}:root"
    assert root["password_enabled"] == root["password_last_changed"] == "not_supported"
    assert root["password_next_rotation"] == "not_supported"
    assert root["password_last_used"].endswith("+00:00")  # signed in when the account opened
    assert root["mfa_active"] == "false"
    assert root["access_key_1_active"] == "true"
    assert root["access_key_1_last_used_service"] == "iam"
    assert root["access_key_2_active"] == "false" and root["access_key_2_last_rotated"] == "N/A"
    alice = dict(zip(COLUMNS, rows[2], strict=True))
    assert alice["user"] == "alice" and alice["password_enabled"] == "true"
    assert alice["password_last_used"] == "no_information"
    assert alice["access_key_1_active"] == "false" and alice["access_key_1_last_rotated"] == "N/A"
    assert report["GeneratedTime"].year >= 2026


def test_console_signin_checks_the_password(fresh: Course) -> None:
    wrong = fresh.grade("console", "signin", "root", "--password", "guess")
    assert wrong.returncode == 1 and "Sign-in failed" in wrong.stderr
    right = fresh.grade("console", "signin", "root", "--password", fresh.account()["root_password"])
    assert right.returncode == 0, right.stderr
    assert ":root" in right.stdout
    events = client(fresh.sandbox_env(), "cloudtrail").lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"}])["Events"]
    outcomes = [json.loads(e["CloudTrailEvent"])["responseElements"]["ConsoleLogin"]
                for e in events]
    assert outcomes[:2] == ["Success", "Failure"]


def test_root_signs_in_with_the_accounts_email_as_printed(fresh: Course) -> None:
    """`grade sandbox start` prints `EMAIL / PASSWORD`: that sign-in works as printed."""
    printed = fresh.grade("sandbox", "start").stdout
    line = next(x for x in printed.splitlines() if x.startswith("Root user's console sign-in"))
    email, password = line.split(": ", 1)[1].split(" / ")
    assert email == fresh.account()["root_email"]
    done = fresh.grade("console", "signin", email.upper(), "--password", password)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(":root.")
    wrong = fresh.grade("console", "signin", "someone@example.com", "--password", password)
    assert wrong.returncode == 1


def test_console_root_keys(fresh: Course) -> None:
    env = fresh.sandbox_env()
    password = fresh.account()["root_password"]
    listed = fresh.grade("console", "root-keys", "--password", password)
    assert env["AWS_ACCESS_KEY_ID"] in listed.stdout and "Active" in listed.stdout
    done = fresh.grade("console", "root-keys", "deactivate", env["AWS_ACCESS_KEY_ID"],
                       "--password", password)
    assert done.returncode == 0 and "Inactive" in done.stdout
    done = fresh.grade("console", "root-keys", "delete", env["AWS_ACCESS_KEY_ID"],
                       "--password", password)
    assert done.returncode == 0 and "no access keys" in done.stdout
    refused = fresh.grade("console", "root-keys", "--password", "wrong")
    assert refused.returncode == 1


def test_grader_reads_survive_deleted_keys_and_are_not_recorded(fresh: Course) -> None:
    env = fresh.sandbox_env()
    cloudtrail = client(env, "cloudtrail")
    before = len(cloudtrail.lookup_events()["Events"])
    status, _ = fresh.grade_json("03")
    assert status == 1
    after = cloudtrail.lookup_events()["Events"]
    assert len(after) == before + 1  # only this LookupEvents itself
    client(env, "iam").delete_access_key(AccessKeyId=env["AWS_ACCESS_KEY_ID"])
    status, result = fresh.grade_json("03")
    assert status == 1
    assert {c["id"]: c["passed"] for c in result["checks"]}["root-has-no-access-keys"]
    _ = boto3_session


def test_a_wrong_secret_is_refused_and_not_recorded(fresh: Course) -> None:
    import datetime as dt

    env = fresh.sandbox_env()
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    wrong = {**env, "AWS_SECRET_ACCESS_KEY": "x" * 40}
    for service, call in (("iam", "list_users"), ("s3", "list_buckets"),
                          ("cloudtrail", "lookup_events")):
        with pytest.raises(ClientError) as refused:
            getattr(client(wrong, service), call)()
        assert error_code(refused) == "SignatureDoesNotMatch", service
    events = client(env, "cloudtrail").lookup_events(StartTime=before)["Events"]
    assert not [e for e in events if e["EventName"] in {"ListUsers", "ListBuckets"}]
    s3 = client(env, "s3")
    s3.create_bucket(Bucket="signed-names")
    key = "a folder/ünïcode + plus.txt"
    s3.put_object(Bucket="signed-names", Key=key, Body=b"ok")
    assert s3.get_object(Bucket="signed-names", Key=key)["Body"].read() == b"ok"


def test_a_fresh_account_starts_with_roots_key_in_use(fresh: Course) -> None:
    """The starting state of 02 and 03: root's key was used for everyday calls, and
    those calls are in the account's history (they must not be dropped)."""
    env = fresh.sandbox_env()
    events = client(env, "cloudtrail").lookup_events()["Events"]
    names = {e["EventName"] for e in events if e.get("AccessKeyId") == env["AWS_ACCESS_KEY_ID"]}
    assert {"ListAccountAliases", "ListUsers", "GetAccountSummary"} <= names
