"""Attacks on the simulated account's front desk, in raw HTTP: nothing gets in that
AWS would refuse, and what the record says happened is what happened."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from tests.conftest import Course, client
from tests.front_desk import (
    FORM,
    assert_replay_gives_the_same_account,
    fingerprint,
    grader_env,
    query,
    send,
    signed,
)

FAKE_SIGNATURE = "0" * 64


def _error(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    if "<Code>" in text:
        return text.split("<Code>", 1)[1].split("</Code>", 1)[0]
    return str(json.loads(text).get("__type", ""))


def _recorded(course: Course, operation: str) -> list[tuple[str, int]]:
    db = sqlite3.connect(course.home / "sandbox" / "record.sqlite")
    try:
        return db.execute("SELECT identity_type, status FROM events WHERE operation=?",
                          (operation,)).fetchall()
    finally:
        db.close()


def test_an_authorization_header_that_does_not_parse_changes_nothing(fresh: Course) -> None:
    env = fresh.sandbox_env()
    before = fingerprint(fresh)
    endpoint = env["AWS_ENDPOINT_URL"]
    root_key = env["AWS_ACCESS_KEY_ID"]
    for authorization, body in [
        (f"AWS4-HMAC-SHA256 Credential={root_key}/2024/us-east-1/iam/aws4_request, "
         f"SignedHeaders=host, Signature={FAKE_SIGNATURE}", query("CreateUser", UserName="eve")),
        (f"AWS {root_key}:c2lnbmF0dXJl", query("CreateUser", UserName="eve")),
        ("Bearer whatever", query("DeleteAccessKey", AccessKeyId=root_key)),
        (f"AWS4-HMAC-SHA256 Credential={root_key}/20260101/us-east-1/iam/aws4_request, "
         f"SignedHeaders=content-type, Signature={FAKE_SIGNATURE}",
         query("DeleteAccessKey", AccessKeyId=root_key)),
    ]:
        status, _, answer = send(endpoint, "POST", "/", body,
                                 FORM | {"Authorization": authorization})
        assert 400 <= status < 500, (authorization, status, answer)
    assert fingerprint(fresh) == before
    assert _recorded(fresh, "CreateUser") == [] and _recorded(fresh, "DeleteAccessKey") == []
    assert_replay_gives_the_same_account(fresh)


def test_unsigned_s3_requests_are_refused(fresh: Course) -> None:
    env = fresh.sandbox_env()
    s3 = client(env, "s3")
    s3.create_bucket(Bucket="private-reports")
    s3.put_object(Bucket="private-reports", Key="q3.csv", Body=b"secret figures")
    s3.put_bucket_policy(Bucket="private-reports", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
            "Resource": "arn:aws:s3:::private-reports/*"}]}))
    before = fingerprint(fresh)
    endpoint = env["AWS_ENDPOINT_URL"]
    for method, path, body in [("GET", "/", b""), ("GET", "/private-reports", b""),
                               ("GET", "/private-reports/q3.csv", b""),
                               ("PUT", "/private-reports/planted.txt", b"hello"),
                               ("DELETE", "/private-reports?policy", b"")]:
        status, _, answer = send(endpoint, method, path, body)
        assert status == 403 and _error(answer) == "AccessDenied", (method, path, answer)
    assert fingerprint(fresh) == before
    assert s3.get_bucket_policy(Bucket="private-reports")["Policy"]
    assert_replay_gives_the_same_account(fresh)


def test_no_cross_origin_access(fresh: Course) -> None:
    env = fresh.sandbox_env()
    endpoint = env["AWS_ENDPOINT_URL"]
    status, headers, _ = send(endpoint, "OPTIONS", "/", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,x-amz-date"})
    assert not any(h.startswith("access-control-") for h in headers), headers
    body = query("CreateUser", UserName="eve")
    headers = signed(endpoint, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], "iam",
                     body=body, headers=FORM)
    status, answered, _ = send(endpoint, "POST", "/", body,
                               headers | {"Origin": "http://evil.example"})
    assert status == 403 and not any(h.startswith("access-control-") for h in answered)
    password = fresh.account()["root_password"]
    status, _, _ = send(endpoint, "POST", "/_sandbox/console/signin",
                        json.dumps({"user": "root", "password": password}).encode(),
                        {"Content-Type": "text/plain", "Origin": "http://evil.example"})
    assert status == 403
    status, _, _ = send(endpoint, "GET", "/", headers={"Host": "evil.example:80"})
    assert status == 400  # a rebound DNS name is not this account's address
    assert _recorded(fresh, "CreateUser") == []


def test_the_operation_that_runs_is_the_one_recorded_and_authorized(fresh: Course) -> None:
    env = fresh.sandbox_env()
    endpoint = env["AWS_ENDPOINT_URL"]
    iam = client(env, "iam")
    iam.create_user(UserName="lister")
    iam.put_user_policy(UserName="lister", PolicyName="list", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="lister")["AccessKey"]
    before = fingerprint(fresh)
    attach = query("AttachUserPolicy", UserName="lister",
                   PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    for signer_key, signer_secret in [(key["AccessKeyId"], key["SecretAccessKey"]),
                                      (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])]:
        # The URL says ListUsers, the body says AttachUserPolicy.
        headers = signed(endpoint, signer_key, signer_secret, "iam", path="/?Action=ListUsers",
                         body=attach, headers=FORM)
        status, _, answer = send(endpoint, "POST", "/?Action=ListUsers", attach, headers)
        assert status == 400, answer
        twice = attach + b"&Action=ListUsers"
        headers = signed(endpoint, signer_key, signer_secret, "iam", body=twice, headers=FORM)
        status, _, answer = send(endpoint, "POST", "/", twice, headers)
        assert status == 400, answer
        # A JSON-protocol request whose URL names another operation.
        target = {"X-Amz-Target":
                  "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails",
                  "Content-Type": "application/x-amz-json-1.1"}
        headers = signed(endpoint, signer_key, signer_secret, "cloudtrail",
                         path="/?Action=DeleteTrail&Name=x", body=b"{}", headers=target)
        status, _, answer = send(endpoint, "POST", "/?Action=DeleteTrail&Name=x", b"{}",
                                 headers)
        assert status >= 400, answer
    assert fingerprint(fresh) == before
    assert _recorded(fresh, "AttachUserPolicy") == []
    assert_replay_gives_the_same_account(fresh)


def test_an_s3_request_names_one_subresource(fresh: Course) -> None:
    env = fresh.sandbox_env()
    endpoint = env["AWS_ENDPOINT_URL"]
    client(env, "s3").create_bucket(Bucket="reports")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::reports/*"}]}).encode()
    for path in ("/reports?acl&policy", "/reports?policy&tagging"):
        headers = signed(endpoint, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], "s3",
                         method="PUT", path=path, body=policy)
        status, _, answer = send(endpoint, "PUT", path, policy, headers)
        assert status == 400 and _error(answer) == "InvalidRequest", answer
    assert _recorded(fresh, "PutBucketPolicy") == [] and _recorded(fresh, "PutBucketAcl") == []


def test_a_service_is_the_one_the_signature_names(fresh: Course) -> None:
    """A request signed for S3 but shaped like IAM's query API runs nowhere in IAM."""
    env = fresh.sandbox_env()
    endpoint = env["AWS_ENDPOINT_URL"]
    before = fingerprint(fresh)
    body = query("CreateUser", UserName="eve")
    headers = signed(endpoint, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], "s3",
                     body=body, headers=FORM)
    status, _, _ = send(endpoint, "POST", "/", body, headers)
    assert status >= 400
    assert fingerprint(fresh) == before


def test_the_graders_key_cannot_write(fresh: Course) -> None:
    env = grader_env(fresh)
    endpoint = env["AWS_ENDPOINT_URL"]
    before = fingerprint(fresh)
    for action, params in [("CreateUser", {"UserName": "eve"}),
                           ("DeleteAccessKey", {"AccessKeyId": fresh.sandbox_env()[
                               "AWS_ACCESS_KEY_ID"]})]:
        body = query(action, **params)
        headers = signed(endpoint, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], "iam",
                         body=body, headers=FORM)
        status, _, answer = send(endpoint, "POST", "/", body, headers)
        assert status == 403 and _error(answer) == "AccessDenied", answer
    body = query("GetSessionToken")
    headers = signed(endpoint, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], "sts",
                     body=body, headers=FORM)
    assert send(endpoint, "POST", "/", body, headers)[0] == 403
    assert fingerprint(fresh) == before


def test_stale_requests_are_refused_as_aws_does(fresh: Course) -> None:
    env = fresh.sandbox_env()
    endpoint = env["AWS_ENDPOINT_URL"]
    key, secret = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    long_ago = dt.datetime(2023, 5, 1, 12, 0, tzinfo=dt.UTC)
    body = query("CreateUser", UserName="eve")
    headers = signed(endpoint, key, secret, "iam", body=body, headers=FORM, at=long_ago)
    status, _, answer = send(endpoint, "POST", "/", body, headers)
    assert status == 403 and _error(answer) == "SignatureDoesNotMatch"
    assert b"Signature expired: 20230501T120000Z is now earlier than" in answer
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20)
    headers = signed(endpoint, key, secret, "iam", body=body, headers=FORM, at=soon)
    status, _, answer = send(endpoint, "POST", "/", body, headers)
    assert status == 403 and b"Signature not yet current" in answer
    headers = signed(endpoint, key, secret, "s3", method="GET", path="/", at=long_ago)
    status, _, answer = send(endpoint, "GET", "/", headers=headers)
    assert status == 403 and _error(answer) == "RequestTimeTooSkewed"
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)  # within AWS's 15 minutes
    headers = signed(endpoint, key, secret, "iam", body=body, headers=FORM, at=recent)
    assert send(endpoint, "POST", "/", body, headers)[0] == 200
    assert [name for name in fingerprint(fresh)["users"]] == ["eve"]


def test_oversized_and_malformed_bodies(fresh: Course) -> None:
    env = fresh.sandbox_env()
    endpoint = env["AWS_ENDPOINT_URL"]
    key, secret = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    big = query("CreateUser", UserName="eve", Path="/" + "a" * (2 * 1024 * 1024) + "/")
    headers = signed(endpoint, key, secret, "iam", body=big, headers=FORM)
    status, _, answer = send(endpoint, "POST", "/", big, headers)
    assert status == 413 and _error(answer) == "RequestEntityTooLarge"
    headers = signed(endpoint, key, secret, "iam", body=b"", headers=FORM)
    status, _, answer = send(endpoint, "POST", "/", b"", headers | {"Content-Length": "abc"})
    assert status == 400, answer
    log = (fresh.home / "sandbox" / "server.log").read_text()
    assert "Traceback" not in log


def test_the_record_stays_small_for_a_large_object(fresh: Course) -> None:
    env = fresh.sandbox_env()
    s3 = client(env, "s3")
    s3.create_bucket(Bucket="media")
    record = fresh.home / "sandbox" / "record.sqlite"
    assert fresh.grade("sandbox", "stop").returncode == 0  # its log folded into the file
    before = record.stat().st_size
    assert fresh.grade("sandbox", "start").returncode == 0
    s3.put_object(Bucket="media", Key="video.bin", Body=b"\x00\x01" * (2 * 1024 * 1024))
    assert fresh.grade("sandbox", "stop").returncode == 0
    grown = record.stat().st_size - before
    assert grown < 5 * 1024 * 1024, grown  # the 4 MB body once, not its Python repr too
    assert fresh.grade("sandbox", "start").returncode == 0
    assert fingerprint(fresh)["buckets"]["media"]
    assert_replay_gives_the_same_account(fresh)



def test_another_partitions_region_is_not_this_accounts_event(fresh: Course) -> None:
    env = fresh.sandbox_env()
    endpoint = env["AWS_ENDPOINT_URL"]
    body = query("CreateUser", UserName="eve")
    headers = signed(endpoint, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], "iam",
                     body=body, headers=FORM, region="cn-north-1")
    status, _, answer = send(endpoint, "POST", "/", body, headers)
    assert status == 403 and _error(answer) == "InvalidClientTokenId"
    db = sqlite3.connect(fresh.home / "sandbox" / "record.sqlite")
    try:
        assert db.execute("SELECT COUNT(*) FROM events WHERE region='cn-north-1'").fetchone() \
            == (0,)
    finally:
        db.close()
