"""Input AWS refuses is refused by the simulated account, with AWS's codes and messages.

The requests are sent as raw HTTP, signed with SigV4 as any client signs them:
boto3 and the AWS CLI check some of this before sending, `curl` and scripts do
not, and neither checks everything (patterns, maximum lengths, quotas).
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from grader.sandbox.front_desk.java_patterns import java_pattern
from tests.conftest import Course, client

NAME_MESSAGE = ("The specified value for userName is invalid. It must contain only "
                "alphanumeric characters and/or the following: +=,.@_-")


def send(env: dict[str, str], parameters: dict[str, str], region: str = "us-east-1",
         service: str = "iam") -> dict[str, Any]:
    """A query-protocol request signed with the learner's (root's) key: its
    status, error code and message (None, None for a success) and body."""
    body = urllib.parse.urlencode(
        {"Version": "2010-05-08" if service == "iam" else "2011-06-15", **parameters}).encode()
    endpoint = urllib.parse.urlsplit(env["AWS_ENDPOINT_URL"])
    request = AWSRequest(method="POST", url=f"{env['AWS_ENDPOINT_URL']}/", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Host": endpoint.netloc})
    SigV4Auth(Credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]),
              service, region).add_auth(request)
    connection = http.client.HTTPConnection(str(endpoint.hostname), endpoint.port, timeout=60)
    try:
        connection.request("POST", "/", body=body, headers=dict(request.headers.items()))
        response = connection.getresponse()
        payload = response.read().decode()
    finally:
        connection.close()
    code = message = None
    if response.status >= 400:
        error = ET.fromstring(payload)
        code = next(e.text for e in error.iter() if e.tag.split("}")[-1] == "Code")
        message = next(e.text for e in error.iter() if e.tag.split("}")[-1] == "Message")
    return {"status": response.status, "code": code, "message": message, "body": payload}


def refusal(answer: dict[str, Any]) -> tuple[int, str | None, str | None]:
    return answer["status"], answer["code"], answer["message"]


def tags(count: int, value: str = "v") -> dict[str, str]:
    parameters = {}
    for index in range(1, count + 1):
        parameters[f"Tags.member.{index}.Key"] = f"key-{index}"
        parameters[f"Tags.member.{index}.Value"] = value
    return parameters


def policy(size: int, indent: int | None = None) -> str:
    """A policy document of exactly `size` characters that are not white space."""
    def document(resource: str) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}]},
            indent=indent)

    def counted(text: str) -> int:
        return sum(not c.isspace() for c in text)

    base = counted(document("arn:aws:s3:::b/"))
    text = document("arn:aws:s3:::b/" + "k" * (size - base))
    assert counted(text) == size
    return text


def user_names(env: dict[str, str]) -> list[str]:
    return sorted(u["UserName"] for u in client(env, "iam").list_users()["Users"])


@pytest.mark.parametrize("name", ["ålice", "a<b>&c"])
def test_user_names_outside_iams_characters_are_refused(fresh: Course, name: str) -> None:
    env = fresh.sandbox_env()
    answer = send(env, {"Action": "CreateUser", "UserName": name})
    assert refusal(answer) == (400, "ValidationError", NAME_MESSAGE)
    assert "<Type>Sender</Type>" in answer["body"]
    assert user_names(env) == []


def test_a_user_name_past_64_characters_is_refused(fresh: Course) -> None:
    env = fresh.sandbox_env()
    answer = send(env, {"Action": "CreateUser", "UserName": "a" * 65})
    assert refusal(answer) == (
        400, "ValidationError",
        "1 validation error detected: Value at 'userName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64")


def test_unusual_but_legal_names_and_tags_are_accepted(fresh: Course) -> None:
    env = fresh.sandbox_env()
    legal = ["a+b=c,d.e@f-g_h", "x" * 60 + "_@.-", "0"]
    for name in legal:
        assert send(env, {"Action": "CreateUser", "UserName": name})["status"] == 200
    # Tags take any letter, number or space of any script, and the empty value.
    answer = send(env, {"Action": "TagUser", "UserName": "0", "Tags.member.1.Key": "Équipe 東京",
                        "Tags.member.1.Value": "été 2026", "Tags.member.2.Key": "empty",
                        "Tags.member.2.Value": ""})
    assert answer["status"] == 200, answer["body"]
    assert user_names(env) == sorted(legal)


def test_several_errors_are_reported_together_in_the_models_order(fresh: Course) -> None:
    env = fresh.sandbox_env()
    answer = send(env, {"Action": "CreateUser", "UserName": "b" * 65, "Path": "/" * 513,
                        "Tags.member.1.Key": "team"})
    assert refusal(answer) == (
        400, "ValidationError",
        "3 validation errors detected: "
        "Value at 'path' failed to satisfy constraint: "
        "Member must have length less than or equal to 512; "
        "Value at 'userName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64; "
        "Value at 'tags.1.member.value' failed to satisfy constraint: "
        "Member must not be null")


def test_a_path_outside_iams_rules_is_refused_in_iams_words(fresh: Course) -> None:
    answer = send(fresh.sandbox_env(), {"Action": "CreateUser", "UserName": "alice",
                                        "Path": "staff"})
    assert refusal(answer) == (
        400, "ValidationError",
        "The specified value for path is invalid. It must begin and end with / and contain "
        "only alphanumeric characters and/or / characters.")


def test_a_users_inline_policies_are_limited_to_2048_characters_together(
        fresh: Course) -> None:
    env = fresh.sandbox_env()
    send(env, {"Action": "CreateUser", "UserName": "alice"})
    put = {"Action": "PutUserPolicy", "UserName": "alice"}
    # White space is not counted; a policy replaced is not counted twice.
    assert send(env, {**put, "PolicyName": "one", "PolicyDocument": policy(1500, 8)})[
        "status"] == 200
    assert send(env, {**put, "PolicyName": "one", "PolicyDocument": policy(1500)})[
        "status"] == 200
    assert send(env, {**put, "PolicyName": "two", "PolicyDocument": policy(548)})[
        "status"] == 200
    answer = send(env, {**put, "PolicyName": "three", "PolicyDocument": policy(200)})
    assert refusal(answer) == (
        409, "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user alice")
    assert client(env, "iam").list_user_policies(UserName="alice")["PolicyNames"] == [
        "one", "two"]


def test_a_949_kb_inline_policy_is_refused_by_the_model(fresh: Course) -> None:
    env = fresh.sandbox_env()
    send(env, {"Action": "CreateUser", "UserName": "alice"})
    answer = send(env, {"Action": "PutUserPolicy", "UserName": "alice", "PolicyName": "huge",
                        "PolicyDocument": policy(949 * 1024)})
    assert refusal(answer) == (
        400, "ValidationError",
        "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: "
        "Member must have length less than or equal to 131072")


def test_a_managed_policy_is_limited_to_6144_characters(fresh: Course) -> None:
    env = fresh.sandbox_env()
    create = {"Action": "CreatePolicy", "PolicyName": "big"}
    answer = send(env, {**create, "PolicyDocument": policy(6145)})
    assert refusal(answer) == (409, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144")
    assert send(env, {**create, "PolicyDocument": policy(6144, 4)})["status"] == 200
    arn = client(env, "iam").list_policies(Scope="Local")["Policies"][0]["Arn"]
    answer = send(env, {"Action": "CreatePolicyVersion", "PolicyArn": arn,
                        "PolicyDocument": policy(7000)})
    assert refusal(answer) == (409, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144")


def test_an_identity_policy_that_names_a_principal_is_refused(fresh: Course) -> None:
    """IAM User Guide, "AWS JSON policy elements: Principal": an identity-based policy
    cannot name a principal; IAM answers MalformedPolicyDocument (a trust policy may)."""
    env = fresh.sandbox_env()
    named = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*", "Principal": {"AWS": "*"}}]})
    send(env, {"Action": "CreateGroup", "GroupName": "Admins"})
    expected = (400, "MalformedPolicyDocument", "Policy document should not specify a principal.")
    for request in ({"Action": "CreatePolicy", "PolicyName": "everyone"},
                    {"Action": "PutGroupPolicy", "GroupName": "Admins", "PolicyName": "all"}):
        assert refusal(send(env, {**request, "PolicyDocument": named})) == expected
        unnamed = named.replace('"Principal"', '"NotPrincipal"')
        assert refusal(send(env, {**request, "PolicyDocument": unnamed})) == expected
    iam = client(env, "iam")
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert iam.list_group_policies(GroupName="Admins")["PolicyNames"] == []
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"}}]})
    assert send(env, {"Action": "CreateRole", "RoleName": "r",
                      "AssumeRolePolicyDocument": trust})["status"] == 200


def test_a_tag_value_of_a_megabyte_is_refused(fresh: Course) -> None:
    env = fresh.sandbox_env()
    answer = send(env, {"Action": "CreateUser", "UserName": "alice",
                        "Tags.member.1.Key": "notes", "Tags.member.1.Value": "v" * 1_000_000})
    assert refusal(answer) == (
        400, "ValidationError",
        "1 validation error detected: Value at 'tags.1.member.value' failed to satisfy "
        "constraint: Member must have length less than or equal to 256")
    assert user_names(env) == []


def test_more_than_50_tags_are_refused(fresh: Course) -> None:
    env = fresh.sandbox_env()
    answer = send(env, {"Action": "CreateUser", "UserName": "alice", **tags(51)})
    assert refusal(answer) == (
        400, "ValidationError",
        "1 validation error detected: Value at 'tags' failed to satisfy constraint: "
        "Member must have length less than or equal to 50")
    assert user_names(env) == []
    # 50 in one request are fine; a 51st on the user, in a later request, is not.
    assert send(env, {"Action": "CreateUser", "UserName": "alice", **tags(50)})["status"] == 200
    answer = send(env, {"Action": "TagUser", "UserName": "alice",
                        "Tags.member.1.Key": "one-more", "Tags.member.1.Value": "v"})
    assert refusal(answer) == (
        409, "LimitExceeded", "The number of tags has reached the maximum limit.")
    # A new value for a tag it has (its key in any case) is no new tag.
    answer = send(env, {"Action": "TagUser", "UserName": "alice",
                        "Tags.member.1.Key": "KEY-1", "Tags.member.1.Value": "w"})
    assert answer["status"] == 200


@pytest.mark.parametrize(("region", "partition"), [("cn-north-1", "aws-cn"),
                                                   ("us-gov-west-1", "aws-us-gov")])
def test_regions_of_other_partitions_are_refused(fresh: Course, region: str,
                                                 partition: str) -> None:
    env = fresh.sandbox_env()
    answer = send(env, {"Action": "CreateUser", "UserName": "alice"}, region=region)
    assert refusal(answer) == (
        403, "InvalidClientTokenId",
        "The security token included in the request is invalid. The simulated account is an "
        f"account of the aws partition, where its keys exist; {region} is a Region of the "
        f"{partition} partition. Sign your requests for a Region of the aws partition, such "
        "as us-east-1.")
    assert user_names(env) == []


def test_a_region_that_does_not_exist_is_refused(fresh: Course) -> None:
    env = fresh.sandbox_env()
    answer = send(env, {"Action": "CreateUser", "UserName": "alice"}, region="moon-1")
    assert refusal(answer) == (
        403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, "
        "not 'moon-1'. ")
    # Any Region of the aws partition will do, as with AWS's global endpoint for IAM.
    answer = send(env, {"Action": "CreateUser", "UserName": "alice"}, region="eu-west-3")
    assert answer["status"] == 200


def test_refused_requests_change_nothing(fresh: Course) -> None:
    env = fresh.sandbox_env()
    send(env, {"Action": "CreateUser", "UserName": "alice"})
    before = client(env, "iam").list_users()["Users"]
    refused = [
        ({"Action": "CreateUser", "UserName": "ålice"}, "us-east-1"),
        ({"Action": "CreateUser", "UserName": "c" * 65}, "us-east-1"),
        ({"Action": "CreateUser", "UserName": "bob", **tags(51)}, "us-east-1"),
        ({"Action": "CreateUser", "UserName": "bob"}, "cn-north-1"),
        ({"Action": "UpdateUser", "UserName": "alice", "NewUserName": "a<b>"}, "us-east-1"),
        ({"Action": "DeleteUser", "UserName": "alice"}, "us-gov-west-1"),
    ]
    for parameters, region in refused:
        assert send(env, parameters, region=region)["status"] >= 400
    assert client(env, "iam").list_users()["Users"] == before


def test_json_services_answer_validationexception(fresh: Course) -> None:
    cloudtrail = client(fresh.sandbox_env(), "cloudtrail")
    with pytest.raises(ClientError) as refused:
        cloudtrail.lookup_events(MaxResults=100)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '100' at 'maxResults' failed to satisfy "
        "constraint: Member must have value less than or equal to 50")
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_sts_shows_the_values_it_refuses(fresh: Course) -> None:
    answer = send(fresh.sandbox_env(), {"Action": "AssumeRole", "RoleSessionName": "a b",
                                        "DurationSeconds": "50000"}, service="sts")
    assert refusal(answer) == (
        400, "ValidationError",
        "3 validation errors detected: "
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null; "
        "Value 'a b' at 'roleSessionName' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\w+=,.@-]*; "
        "Value '50000' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value less than or equal to 43200")


def test_java_patterns_are_matched_as_java_matches_them() -> None:
    names = java_pattern(r"[\w+=,.@-]+")
    assert names is not None
    assert names.fullmatch("a+b=c,d.e@f-g_h")
    assert not names.fullmatch("ålice")  # \w is ASCII in Java
    assert not names.fullmatch("lice!")  # the whole value must match
    tag = java_pattern(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")
    assert tag is not None
    assert tag.fullmatch("Équipe 東京\u3000٣") and not tag.fullmatch("a<b")
    # A UTF-16 surrogate pair is one code point beyond the BMP.
    wide = java_pattern(r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*")
    assert wide is not None and wide.fullmatch("a😀\t")
    # "-" after a class is itself, not a range.
    assert (dash := java_pattern(r"[\w-\/]+")) is not None and dash.fullmatch("a-b/c")
    # What Python cannot match as Java does is not checked at all.
    assert java_pattern(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]+") is None
    assert java_pattern(r"^(?i)(true|false)$") is None
