"""A property of the front desk: no request without a valid signature by a known,
active key changes the account, whatever its Authorization header and body say."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Course, client
from tests.front_desk import FORM, grader_env, send, signed

SERVICES = ["iam", "sts", "s3", "cloudtrail", "IAM", "iam ", "", "s3-object-lambda"]
ACTIONS = ["CreateUser", "AttachUserPolicy", "CreateAccessKey", "DeleteAccessKey",
           "ListUsers", "CreateBucket", "DeleteBucketPolicy"]


@dataclass
class Desk:
    """The running account, its root's environment and the grader's (read once)."""

    course: Course
    env: dict[str, str]
    grader: dict[str, str]
    iam: Any  # a boto3 IAM client signed with the grader's key


@pytest.fixture(scope="module")
def desk(course: Course) -> Desk:
    """The shared account in its starting state (root still has its key: a test before,
    on the same worker, may have left it without), and its grader's key."""
    course.reset()
    grader = grader_env(course)
    return Desk(course, course.sandbox_env(), grader, client(grader, "iam"))


def _state(desk: Desk) -> tuple[int, int]:
    """(IAM users, accepted writes in the record): what any change would move."""
    users = len(desk.iam.list_users()["Users"])
    db = sqlite3.connect(desk.course.home / "sandbox" / "record.sqlite")
    try:
        writes = db.execute("SELECT COUNT(*) FROM events WHERE replay=1 AND status<400")
        return users, int(writes.fetchone()[0])
    finally:
        db.close()


def _bodies() -> st.SearchStrategy[bytes]:
    params = st.fixed_dictionaries({
        "Action": st.sampled_from(ACTIONS),
        "UserName": st.sampled_from(["eve", "mallory", ""]),
        "Version": st.sampled_from(["2010-05-08", "2011-06-15"]),
        "PolicyArn": st.just("arn:aws:iam::aws:policy/AdministratorAccess"),
    })
    return st.one_of(params.map(lambda p: urlencode(p).encode()), st.binary(max_size=200))


def _headers(root_key: str) -> st.SearchStrategy[str]:
    scope = st.builds(
        lambda key, date, region, service, signed_headers, signature:
        f"AWS4-HMAC-SHA256 Credential={key}/{date}/{region}/{service}/aws4_request, "
        f"SignedHeaders={signed_headers}, Signature={signature}",
        st.one_of(st.just(root_key), st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                                             min_size=0, max_size=24)),
        st.one_of(st.from_regex(r"\A\d{4,9}\Z"), st.just("20261128")),
        st.sampled_from(["us-east-1", "cn-north-1", "", "us-east-1/x"]),
        st.sampled_from(SERVICES),
        st.sampled_from(["host", "host;x-amz-date", "content-type;host;x-amz-date", ""]),
        st.one_of(st.text("0123456789abcdef", min_size=64, max_size=64),
                  st.text(max_size=70)),
    )
    return st.one_of(scope, st.text(max_size=300), st.just(""))


@settings(max_examples=80, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_unsigned_or_badly_signed_request_changes_the_account(desk: Desk,
                                                                 data: st.DataObject) -> None:
    env = desk.env
    endpoint = env["AWS_ENDPOINT_URL"]
    before = _state(desk)
    body = data.draw(_bodies(), label="body")
    authorization = data.draw(_headers(env["AWS_ACCESS_KEY_ID"]), label="authorization")
    headers = dict(FORM)
    if authorization.isascii() and authorization.isprintable():
        headers["Authorization"] = authorization
    headers["X-Amz-Date"] = data.draw(st.sampled_from(["20261128T000000Z", "garbage", ""]))
    path = data.draw(st.sampled_from(["/", "/?Action=CreateUser&UserName=eve", "/bucket",
                                      "/_sandbox/console/root-access-keys"]))
    method = data.draw(st.sampled_from(["POST", "PUT", "GET", "DELETE"]))
    status, _, _ = send(endpoint, method, path, body, headers)
    assert status != 200 or method == "GET" or path.startswith("/_sandbox"), status
    assert status < 500, status
    assert _state(desk) == before


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_signed_request_tampered_after_signing_changes_nothing(desk: Desk,
                                                                 data: st.DataObject) -> None:
    env = desk.env
    endpoint = env["AWS_ENDPOINT_URL"]
    before = _state(desk)
    body = urlencode({"Action": "CreateUser", "UserName": "eve", "Version": "2010-05-08"})
    headers = signed(endpoint, env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], "iam",
                     body=body.encode(), headers=FORM)
    tamper = data.draw(st.sampled_from(["body", "date", "signature", "key", "path", "host"]))
    sent_body = body.encode()
    path = "/"
    if tamper == "body":
        sent_body = body.replace("eve", data.draw(st.sampled_from(["mallory", "eve2", "Eve"])))\
            .encode()
    elif tamper == "date":
        sent = dt.datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
        headers["X-Amz-Date"] = (sent + dt.timedelta(minutes=1)).strftime("%Y%m%dT%H%M%SZ")
    elif tamper == "signature":
        signature = headers["Authorization"][-64:]
        flipped = "0" if signature[0] != "0" else "1"
        headers["Authorization"] = headers["Authorization"][:-64] + flipped + signature[1:]
    elif tamper == "key":
        headers["Authorization"] = headers["Authorization"].replace(
            env["AWS_ACCESS_KEY_ID"], desk.grader["AWS_ACCESS_KEY_ID"])
    elif tamper == "path":
        path = "/?Action=DeleteUser"
    else:
        headers["Host"] = headers["Host"].replace("127.0.0.1", "localhost")
    status, _, _ = send(endpoint, "POST", path, sent_body, headers)
    assert 400 <= status < 500, (tamper, status)
    assert _state(desk) == before
