"""Raw HTTP to the simulated account, as an attacker (or curl) would send it.

`send` puts exactly the given bytes and headers on the wire; `signed` signs a
request with botocore's SigV4 signer first, so that one part can then be
tampered with. `fingerprint` reads the account with the grader's own key
(which is not recorded), to compare the account before and after.
"""

from __future__ import annotations

import datetime as dt
import http.client
from typing import Any
from urllib.parse import urlsplit

from tests.conftest import Course, client


def send(endpoint: str, method: str, path: str, body: bytes = b"",
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port,
                                            timeout=30)
    try:
        connection.putrequest(method, path, skip_host=bool(headers and "Host" in headers),
                              skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body or method in {"POST", "PUT"}:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def signed(endpoint: str, key: str, secret: str, service: str, method: str = "POST",
           path: str = "/", body: bytes = b"", headers: dict[str, str] | None = None,
           region: str = "us-east-1", at: dt.datetime | None = None,
           token: str | None = None) -> dict[str, str]:
    """The headers of a SigV4-signed request (Host and X-Amz-Date included)."""
    import time_machine
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=endpoint + path, data=body,
                         headers=dict(headers or {}))
    signer_class = S3SigV4Auth if service == "s3" else SigV4Auth
    signer = signer_class(Credentials(key, secret, token), service, region)
    if at is None:
        signer.add_auth(request)
    else:
        with time_machine.travel(at, tick=False):
            signer.add_auth(request)
    out = {k: str(v) for k, v in request.headers.items()}
    out["Host"] = urlsplit(endpoint).netloc
    return out


def query(action: str, **params: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode({"Action": action, "Version": "2010-05-08", **params}).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


def grader_env(course: Course) -> dict[str, str]:
    account = course.account()
    return course.sandbox_env() | {"AWS_ACCESS_KEY_ID": account["grader_key_id"],
                                   "AWS_SECRET_ACCESS_KEY": account["grader_secret"]}


def fingerprint(course: Course) -> dict[str, Any]:
    """What the account holds, read with the grader's key (not recorded)."""
    env = grader_env(course)
    iam = client(env, "iam")
    s3 = client(env, "s3")
    users = {}
    for user in iam.list_users()["Users"]:
        name = user["UserName"]
        users[name] = {
            "id": user["UserId"],
            "groups": sorted(g["GroupName"] for g in iam.list_groups_for_user(
                UserName=name)["Groups"]),
            "policies": sorted(p["PolicyArn"] for p in iam.list_attached_user_policies(
                UserName=name)["AttachedPolicies"]),
            "inline": sorted(iam.list_user_policies(UserName=name)["PolicyNames"]),
            "keys": sorted((k["AccessKeyId"], k["Status"]) for k in iam.list_access_keys(
                UserName=name)["AccessKeyMetadata"]),
        }
    groups = {g["GroupName"]: sorted(p["PolicyArn"] for p in iam.list_attached_group_policies(
        GroupName=g["GroupName"])["AttachedPolicies"]) for g in iam.list_groups()["Groups"]}
    buckets = {}
    for bucket in s3.list_buckets()["Buckets"]:
        objects = s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])
        buckets[bucket["Name"]] = sorted((o["Key"], o["ETag"]) for o in objects)
    summary = iam.get_account_summary()["SummaryMap"]
    return {"users": users, "groups": groups, "buckets": buckets,
            "root_keys": summary["AccountAccessKeysPresent"]}


def assert_replay_gives_the_same_account(course: Course) -> dict[str, Any]:
    """Stop and start the account (it is rebuilt from its record): nothing may differ."""
    before = fingerprint(course)
    assert course.grade("sandbox", "stop").returncode == 0
    started = course.grade("sandbox", "start")
    assert started.returncode == 0, started.stderr
    after = fingerprint(course)
    assert after == before
    return after
