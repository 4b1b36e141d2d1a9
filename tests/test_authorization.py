"""IAM users may do only what their policies allow, as in AWS; root is never limited."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Course, client
from tests.test_policy_evaluation import FORCE_MFA


def user_env(course: Course, name: str) -> dict[str, str]:
    iam = client(course.sandbox_env(), "iam")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {**course.sandbox_env(), "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_a_user_without_policies_is_refused(fresh: Course) -> None:
    bob = user_env(fresh, "bob")
    assert client(bob, "sts").get_caller_identity()["Arn"].endswith(":user/bob")
    with pytest.raises(ClientError) as refused:
        client(bob, "iam").create_user(UserName="eve")
    assert code(refused) == "AccessDenied"
    assert "is not authorized to perform: iam:CreateUser" in str(refused.value)
    with pytest.raises(ClientError) as refused:
        client(bob, "s3").list_buckets()
    assert code(refused) == "AccessDenied"
    events = client(fresh.sandbox_env(), "cloudtrail").lookup_events(LookupAttributes=[
        {"AttributeKey": "Username", "AttributeValue": "bob"}])["Events"]
    denied = [json.loads(e["CloudTrailEvent"]) for e in events
              if e["EventName"] == "CreateUser"]
    assert denied and denied[0]["errorCode"] == "AccessDenied"


def test_group_admin_rights_apply_and_force_mfa_denies(fresh: Course) -> None:
    root_iam = client(fresh.sandbox_env(), "iam")
    alice = user_env(fresh, "alice")
    root_iam.create_group(GroupName="Admins")
    root_iam.attach_group_policy(GroupName="Admins",
                                 PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    root_iam.add_user_to_group(GroupName="Admins", UserName="alice")
    client(alice, "iam").create_user(UserName="carol")
    client(alice, "s3").create_bucket(Bucket="alices-bucket")
    root_iam.put_group_policy(GroupName="Admins", PolicyName="force-mfa",
                              PolicyDocument=json.dumps(FORCE_MFA))
    with pytest.raises(ClientError) as refused:
        client(alice, "iam").create_user(UserName="dave")
    assert "with an explicit deny" in str(refused.value)
    assert client(alice, "iam").get_user()["User"]["UserName"] == "alice"  # allowed without MFA
    assert client(alice, "iam").list_mfa_devices()["MFADevices"] == []  # her own devices
    assert fresh.grade("sandbox", "stop").returncode == 0
    assert fresh.grade("sandbox", "start").returncode == 0
    names = {u["UserName"] for u in root_iam.list_users()["Users"]}
    assert names == {"alice", "carol"}


def test_attaching_a_policy_acts_on_the_user_not_the_policy(fresh: Course) -> None:
    """IAM authorizes iam:AttachUserPolicy on the user: a user allowed to attach policies
    to herself only cannot attach one to someone else, whatever the policy."""
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    for name in ("carol", "dave"):
        iam.create_user(UserName=name)
    account = fresh.account()["account_id"]
    iam.put_user_policy(UserName="carol", PolicyName="self", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "iam:AttachUserPolicy",
            "Resource": f"arn:aws:iam::{account}:user/carol"}]}))
    key = iam.create_access_key(UserName="carol")["AccessKey"]
    carol = client(env | {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                          "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}, "iam")
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    carol.attach_user_policy(UserName="carol", PolicyArn=readonly)
    try:
        carol.attach_user_policy(UserName="dave", PolicyArn=readonly)
        raise AssertionError("carol attached a policy to dave")
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AccessDenied"
