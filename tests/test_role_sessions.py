"""Roles and their sessions, as AWS has them: a role's trust policy decides who assumes
it, a session can do only what its role (and its session policies) allow, until it
expires; root may not assume roles; CloudTrail records a session's calls as the
session's and links them to whoever began it.

The attacks are sent as raw HTTP (`tests.front_desk`), signed as any client signs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import sys
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError

from grader.checks.activity import collect
from grader.checks.target import sandbox_target
from grader.sandbox.history.record import RECORD_FILE, Event, Record
from tests.conftest import EXERCISES, Course, client
from tests.front_desk import (
    FORM,
    assert_replay_gives_the_same_account,
    fingerprint,
    grader_env,
    send,
    signed,
)

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ALLOW_ASSUME = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
EXPIRED = "The security token included in the request is expired"


# -- helpers -------------------------------------------------------------------

class Keys:
    """Credentials, and raw requests signed with them."""

    def __init__(self, endpoint: str, key: str, secret: str, token: str | None = None) -> None:
        self.endpoint, self.key, self.secret, self.token = endpoint, key, secret, token

    def call(self, service: str, action: str, token: str | None = "same",
             **params: str) -> tuple[int, str]:
        """A query-protocol call (IAM, STS): its status and body. `token`: the session
        token to send ("same": the one these credentials have; None: none)."""
        version = "2011-06-15" if service == "sts" else "2010-05-08"
        body = urlencode({"Action": action, "Version": version, **params}).encode()
        sent_token = self.token if token == "same" else token
        headers = signed(self.endpoint, self.key, self.secret, service, body=body,
                         headers=FORM, token=sent_token)
        status, _, answer = send(self.endpoint, "POST", "/", body, headers)
        return status, answer.decode()

    def assume(self, role_arn: str, name: str = "work", **params: str) -> tuple[int, str]:
        return self.call("sts", "AssumeRole", RoleArn=role_arn, RoleSessionName=name, **params)

    def session(self, role_arn: str, name: str = "work", **params: str) -> Keys:
        status, answer = self.assume(role_arn, name, **params)
        assert status == 200, answer
        return Keys(self.endpoint, field(answer, "AccessKeyId"),
                    field(answer, "SecretAccessKey"), field(answer, "SessionToken"))


def field(xml: str, name: str) -> str:
    found = re.search(f"<{name}>([^<]*)</{name}>", xml)
    assert found, f"no {name} in {xml}"
    return found.group(1)


def error(xml: str) -> tuple[str, str]:
    return field(xml, "Code"), field(xml, "Message")


def account_id(course: Course) -> str:
    return str(client(course.sandbox_env(), "sts").get_caller_identity()["Account"])


def root_keys(course: Course) -> Keys:
    env = course.sandbox_env()
    return Keys(env["AWS_ENDPOINT_URL"], env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])


def user(course: Course, name: str, policy: dict[str, Any] | None = ALLOW_ASSUME) -> Keys:
    """An IAM user with an access key (and this inline policy), made by root."""
    iam = client(course.sandbox_env(), "iam")
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="own", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Keys(course.sandbox_env()["AWS_ENDPOINT_URL"], key["AccessKeyId"],
                key["SecretAccessKey"])


def trust(*principals: str, **extra: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole",
         **extra}]})


def role(course: Course, name: str, trust_policy: str, policy_arn: str | None = None,
         **extra: Any) -> str:
    """A role made by root; its ARN."""
    iam = client(course.sandbox_env(), "iam")
    arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy,
                              **extra)["Role"]["Arn"])
    if policy_arn:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    return arn


def lookup(course: Course, **attribute: str) -> list[dict[str, Any]]:
    """LookupEvents, read with the grader's key: each event's summary with its record."""
    attributes = [{"AttributeKey": k, "AttributeValue": v} for k, v in attribute.items()]
    events = client(grader_env(course), "cloudtrail").lookup_events(
        LookupAttributes=attributes)["Events"]
    return [{**e, "record": json.loads(e["CloudTrailEvent"])} for e in events]


def not_authorized(who: str, role_arn: str) -> tuple[str, str]:
    return ("AccessDenied",
            f"User: {who} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")


# -- who may assume a role --------------------------------------------------------

def test_assume_role_permission_alone_assumes_no_role_that_does_not_trust_you(
        fresh: Course) -> None:
    account = account_id(fresh)
    bob = user(fresh, "bob")
    user(fresh, "carol", None)
    carols = role(fresh, "carols-admin", trust(f"arn:aws:iam::{account}:user/carol"), ADMIN)
    theirs = role(fresh, "theirs", trust("arn:aws:iam::111122223333:root"), ADMIN)
    services = role(fresh, "for-ec2", json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
         "Action": "sts:AssumeRole"}]}), ADMIN)
    before = fingerprint(fresh)
    bob_arn = f"arn:aws:iam::{account}:user/bob"
    for target in [carols, theirs, services, f"arn:aws:iam::{account}:role/no-such-role",
                   "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"]:
        status, answer = bob.assume(target)
        assert (status, error(answer)) == (403, not_authorized(bob_arn, target)), target
    assert fingerprint(fresh) == before
    refused = lookup(fresh, EventName="AssumeRole")
    assert len(refused) == 5 and all(e["record"]["errorCode"] == "AccessDenied"
                                     for e in refused)
    assert {"ResourceType": "AWS::IAM::Role", "ResourceName": carols} in [
        r for e in refused for r in e["Resources"]]


def test_a_trust_policy_naming_the_account_needs_the_users_own_permission(
        fresh: Course) -> None:
    account = account_id(fresh)
    ops = role(fresh, "ops", trust(account))
    bob = user(fresh, "bob")  # allowed sts:AssumeRole by his own policy
    dave = user(fresh, "dave", None)  # not
    assert bob.assume(ops)[0] == 200
    status, answer = dave.assume(ops)
    assert (status, error(answer)) == (403, not_authorized(
        f"arn:aws:iam::{account}:user/dave", ops))
    # Named in the trust policy, he needs no policy of his own; a Deny of his own still wins.
    named = role(fresh, "daves", trust(f"arn:aws:iam::{account}:user/dave"))
    assert dave.assume(named)[0] == 200
    client(fresh.sandbox_env(), "iam").put_user_policy(
        UserName="dave", PolicyName="no-roles", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": "sts:*", "Resource": "*"}]}))
    status, answer = dave.assume(named)
    assert status == 403 and error(answer)[0] == "AccessDenied"


def test_trust_policy_conditions_see_the_request(fresh: Course) -> None:
    account = account_id(fresh)
    bob = user(fresh, "bob")
    bob_arn = f"arn:aws:iam::{account}:user/bob"
    vendor = role(fresh, "vendor", trust(bob_arn, Condition={
        "StringEquals": {"sts:ExternalId": "Unique-42"}}))
    assert bob.assume(vendor)[0] == 403
    assert bob.assume(vendor, ExternalId="guess-1")[0] == 403
    assert bob.assume(vendor, ExternalId="Unique-42")[0] == 200
    # A long-term key's requests carry no aws:MultiFactorAuthPresent: an MFA-only role
    # refuses them.
    mfa_only = role(fresh, "mfa-only", trust(bob_arn, Condition={
        "Bool": {"aws:MultiFactorAuthPresent": "true"}}))
    status, answer = bob.assume(mfa_only)
    assert (status, error(answer)) == (403, not_authorized(bob_arn, mfa_only))


def test_root_cannot_assume_a_role(fresh: Course) -> None:
    account = account_id(fresh)
    ops = role(fresh, "ops", trust(account), ADMIN)
    status, answer = root_keys(fresh).assume(ops)
    assert (status, error(answer)) == (403, ("AccessDenied",
                                             "Roles may not be assumed by root accounts."))
    with pytest.raises(ClientError) as refused:
        client(fresh.sandbox_env(), "sts").assume_role(RoleArn=ops, RoleSessionName="root")
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    [*_, first] = lookup(fresh, EventName="AssumeRole")
    assert first["record"]["userIdentity"]["type"] == "Root"
    assert first["record"]["errorCode"] == "AccessDenied"
    assert first["Resources"] == [{"ResourceType": "AWS::IAM::Role", "ResourceName": ops}]


def test_federation_calls_are_not_offered(fresh: Course) -> None:
    """moto would hand anyone a session for any role through them: the simulated
    account has no identity provider to check a token or an assertion against."""
    ops = role(fresh, "ops", trust("*"), ADMIN)
    root = root_keys(fresh)  # not limited by any policy: the request reaches STS
    for action, params in [
        ("AssumeRoleWithWebIdentity", {"WebIdentityToken": "x" * 40}),
        ("AssumeRoleWithSAML", {"PrincipalArn": "arn:aws:iam::123456789012:saml-provider/x",
                                "SAMLAssertion": "x" * 40}),
    ]:
        status, answer = root.call("sts", action, RoleArn=ops, RoleSessionName="fed", **params)
        assert status == 400 and error(answer)[0] == "InvalidAction", answer
    assert lookup(fresh, EventName="AssumeRoleWithWebIdentity")[0]["record"]["errorCode"] \
        == "InvalidAction"


# -- what a session may do --------------------------------------------------------

def test_a_role_without_policies_gives_nothing(fresh: Course) -> None:
    account = account_id(fresh)
    bob = user(fresh, "bob")
    helper = role(fresh, "helper", trust(f"arn:aws:iam::{account}:user/bob"))
    session = bob.session(helper, "bob-helps")
    before = fingerprint(fresh)
    status, answer = session.call("iam", "AttachUserPolicy", UserName="bob", PolicyArn=ADMIN)
    assert status == 403 and error(answer) == ("AccessDenied", (
        f"User: arn:aws:sts::{account}:assumed-role/helper/bob-helps is not authorized to "
        f"perform: iam:AttachUserPolicy on resource: arn:aws:iam::{account}:user/bob because "
        "no identity-based policy "
        "allows the iam:AttachUserPolicy action"))
    for action, params in [("CreateUser", {"UserName": "eve"}),
                           ("PutUserPolicy", {"UserName": "bob", "PolicyName": "all",
                                              "PolicyDocument": json.dumps(ADMIN_POLICY)}),
                           ("CreateAccessKey", {"UserName": "bob"})]:
        status, answer = session.call("iam", action, **params)
        assert status == 403 and error(answer)[0] == "AccessDenied", action
    assert session.call("sts", "GetCallerIdentity")[0] == 200  # allowed to anyone
    assert fingerprint(fresh) == before


ADMIN_POLICY = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def test_a_session_policy_narrows_the_role(fresh: Course) -> None:
    account = account_id(fresh)
    bob = user(fresh, "bob")
    admin = role(fresh, "admin", trust(f"arn:aws:iam::{account}:user/bob"), ADMIN)
    list_only = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}]})
    narrow = bob.session(admin, "narrow", Policy=list_only)
    assert narrow.call("iam", "ListUsers")[0] == 200
    status, answer = narrow.call("iam", "CreateUser", UserName="eve")
    assert status == 403 and error(answer)[1].endswith(
        "because no session policy allows the iam:CreateUser action")
    read_only = bob.session(admin, "read-only", **{
        "PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"})
    assert read_only.call("iam", "ListUsers")[0] == 200
    assert read_only.call("iam", "CreateUser", UserName="eve")[0] == 403
    assert "eve" not in fingerprint(fresh)["users"]
    status, answer = bob.assume(admin, "bad", Policy="{not json")
    assert (status, error(answer)[0]) == (400, "MalformedPolicyDocument")
    whole = bob.session(admin, "whole")  # no session policy: all the role allows
    assert whole.call("iam", "CreateUser", UserName="eve")[0] == 200
    assert "eve" in fingerprint(fresh)["users"]


def test_a_session_key_needs_its_own_token(fresh: Course) -> None:
    account = account_id(fresh)
    bob = user(fresh, "bob")
    ops = role(fresh, "ops", trust(f"arn:aws:iam::{account}:user/bob"), ADMIN)
    first, second = bob.session(ops, "first"), bob.session(ops, "second")
    for token in [None, "", "FQoGZXIvYXdzEBYaD" + "A" * 60, second.token]:
        status, answer = first.call("iam", "CreateUser", token=token, UserName="eve")
        assert (status, error(answer)[0]) == (403, "InvalidClientTokenId"), token
    assert "eve" not in fingerprint(fresh)["users"]
    status, answer = first.call("sts", "GetCallerIdentity")
    assert status == 200
    assert field(answer, "Arn") == f"arn:aws:sts::{account}:assumed-role/ops/first"


def test_an_expired_session_is_refused(fresh: Course) -> None:
    """The account's clock is the moment of each request. A session is made, then the
    record is made to say it was made 20 minutes ago (with 15 minutes to live): the
    account rebuilt from that record holds a session that expired 5 minutes ago."""
    account = account_id(fresh)
    bob = user(fresh, "bob")
    ops = role(fresh, "ops", trust(f"arn:aws:iam::{account}:user/bob"), ADMIN)
    session = bob.session(ops, "short", DurationSeconds="900")
    assert session.call("iam", "ListUsers")[0] == 200
    assert fresh.grade("sandbox", "stop").returncode == 0
    db = sqlite3.connect(fresh.home / "sandbox" / RECORD_FILE)
    with db:
        seq, made = db.execute("SELECT seq, event_time FROM events WHERE operation="
                               "'AssumeRole' AND status=200").fetchone()
        earlier = dt.datetime.fromisoformat(made) - dt.timedelta(minutes=20)
        db.execute("UPDATE events SET event_time=? WHERE seq=?", (earlier.isoformat(), seq))
    db.close()
    assert fresh.grade("sandbox", "start").returncode == 0
    for service, action in [("iam", "ListUsers"), ("sts", "GetCallerIdentity"),
                            ("sts", "AssumeRole")]:
        params = {"RoleArn": ops, "RoleSessionName": "again"} if action == "AssumeRole" else {}
        status, answer = session.call(service, action, **params)
        assert (status, error(answer)) == (403, ("ExpiredToken", EXPIRED)), action
    # The same session, made now, works: it is the expiration that refuses it.
    assert bob.session(ops, "long", DurationSeconds="900").call("iam", "ListUsers")[0] == 200


def test_session_durations(fresh: Course) -> None:
    account = account_id(fresh)
    bob = user(fresh, "bob")
    ops = role(fresh, "ops", trust(f"arn:aws:iam::{account}:user/bob"), ADMIN)
    status, answer = bob.assume(ops, DurationSeconds="7200")
    assert (status, error(answer)) == (400, (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."))
    long = role(fresh, "long", trust(f"arn:aws:iam::{account}:user/bob", ops),
                MaxSessionDuration=43200)
    assert bob.assume(long, DurationSeconds="43200")[0] == 200
    # Role chaining: a session assuming a role gets at most one hour.
    chained = bob.session(ops, "first-hop")
    status, answer = chained.assume(long, "second-hop", DurationSeconds="7200")
    assert (status, error(answer)) == (400, (
        "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit "
                           "for roles assumed by role chaining."))
    assert chained.assume(long, "second-hop", DurationSeconds="3600")[0] == 200


# -- the record ---------------------------------------------------------------------

def test_session_calls_are_recorded_as_cloudtrail_records_them(fresh: Course) -> None:
    account = account_id(fresh)
    bob = user(fresh, "bob")
    iam = client(fresh.sandbox_env(), "iam")
    ops = role(fresh, "ops", trust(f"arn:aws:iam::{account}:user/bob"), ADMIN)
    role_id = iam.get_role(RoleName="ops")["Role"]["RoleId"]
    session = bob.session(ops, "bob-at-work")
    assert session.call("iam", "CreateUser", UserName="eve")[0] == 200
    [created] = [e for e in lookup(fresh, Username="bob-at-work")
                 if e["EventName"] == "CreateUser"]
    identity = created["record"]["userIdentity"]
    creation = identity["sessionContext"]["attributes"]["creationDate"]
    assert identity == {
        "type": "AssumedRole",
        "principalId": f"{role_id}:bob-at-work",
        "arn": f"arn:aws:sts::{account}:assumed-role/ops/bob-at-work",
        "accountId": account,
        "accessKeyId": session.key,
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role_id, "arn": ops,
                              "accountId": account, "userName": "ops"},
            "attributes": {"creationDate": creation, "mfaAuthenticated": "false"},
        },
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", creation)
    assert created["Username"] == "bob-at-work" and created["AccessKeyId"] == session.key
    [assumed] = lookup(fresh, EventName="AssumeRole")
    record = assumed["record"]
    assert record["userIdentity"]["type"] == "IAMUser"
    assert record["userIdentity"]["arn"] == f"arn:aws:iam::{account}:user/bob"
    assert record["requestParameters"]["roleArn"] == ops
    assert assumed["Resources"] == [{"ResourceType": "AWS::IAM::Role", "ResourceName": ops}]
    response = record["responseElements"]
    assert response["credentials"]["accessKeyId"] == session.key
    assert response["credentials"]["sessionToken"] == session.token
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d\d:\d\d [AP]M",
                        response["credentials"]["expiration"])
    assert response["assumedRoleUser"] == {
        "assumedRoleId": f"{role_id}:bob-at-work",
        "arn": f"arn:aws:sts::{account}:assumed-role/ops/bob-at-work"}


def test_checks_see_who_is_behind_a_session(fresh: Course) -> None:
    account = account_id(fresh)
    bob = user(fresh, "bob")
    ops = role(fresh, "ops", trust(f"arn:aws:iam::{account}:user/bob"), ADMIN)
    deploy = role(fresh, "deploy", trust(ops), ADMIN)
    first = bob.session(ops, "first-hop")
    second = first.session(deploy, "second-hop")
    assert first.call("iam", "CreateUser", UserName="eve")[0] == 200
    assert second.call("iam", "CreateUser", UserName="mallory")[0] == 200
    env = grader_env(fresh)
    activity = collect(sandbox_target(env["AWS_ENDPOINT_URL"], "us-east-1",
                                      env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]))
    created = {a.parameters["userName"]: a for a in activity if a.name == "CreateUser"}
    bob_arn = f"arn:aws:iam::{account}:user/bob"
    assert created["eve"].behind == bob_arn and created["mallory"].behind == bob_arn
    assert created["eve"].identity_type == "AssumedRole" and created["eve"].user_name is None
    assert not created["eve"].behind_root
    assert created["bob"].behind == f"arn:aws:iam::{account}:root"
    assert created["bob"].behind_root


def test_sessions_come_back_the_same_after_replay(fresh: Course) -> None:
    account = account_id(fresh)
    bob = user(fresh, "bob")
    ops = role(fresh, "ops", trust(f"arn:aws:iam::{account}:user/bob"), ADMIN)
    narrow = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["iam:List*", "iam:CreateGroup"], "Resource": "*"}]})
    session = bob.session(ops, "kept", Policy=narrow)
    assert session.call("iam", "CreateGroup", GroupName="Ops")[0] == 200
    assert session.call("iam", "CreateUser", UserName="eve")[0] == 403
    assert_replay_gives_the_same_account(fresh)
    status, answer = session.call("sts", "GetCallerIdentity")  # same key, secret and token
    assert status == 200 and field(answer, "Arn").endswith(":assumed-role/ops/kept")
    assert session.call("iam", "CreateUser", UserName="eve")[0] == 403  # same policies
    assert session.call("iam", "CreateGroup", GroupName="Ops2")[0] == 200


# -- exercise 03 ------------------------------------------------------------------------

FOLDER = EXERCISES / "03-stop-using-root"


def verdicts(course: Course) -> dict[str, dict[str, Any]]:
    _, result = course.grade_json("03")
    return {c["id"]: c for c in result["checks"]}


def switch_to_alice(course: Course) -> dict[str, str]:
    """Steps 1 to 4 of exercise 03 done right: alice, an admin through her group, has
    made a call with her own key (her environment is returned). Root's key is kept."""
    env = course.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Correct-Horse-Battery-Staple-42")
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins", PolicyArn=ADMIN)
    iam.add_user_to_group(GroupName="Admins", UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    alice = env | {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                   "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    client(alice, "sts").get_caller_identity()
    return alice


def _environ_headers(headers: dict[str, str]) -> dict[str, str]:
    found = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()
             if k.lower() != "content-type"}
    found["CONTENT_TYPE"] = FORM["Content-Type"]
    return found


def _old_event(keys: Keys, identity: tuple[str, str | None, str, str], service: str,
               operation: str, params: dict[str, str]) -> Event:
    """An accepted request, made now, as a record made before AWS's rules were enforced
    here holds it (a role session's identity was its role's ARN and its key)."""
    at = dt.datetime.now(dt.UTC)
    version = "2011-06-15" if service == "sts" else "2010-05-08"
    body = urlencode({"Action": operation, "Version": version, **params}).encode()
    headers = signed(keys.endpoint, keys.key, keys.secret, service, body=body, headers=FORM,
                     token=keys.token)
    kind, name, arn, principal_id = identity
    return Event(
        event_id=f"old-{operation}-{at.timestamp()}", event_time=at.isoformat(),
        event_type="AwsApiCall", identity_type=kind, principal_name=name, principal_arn=arn,
        principal_id=principal_id, access_key_id=keys.key, service=service,
        operation=operation, region="us-east-1", read_only=False, parameters=params,
        response=None, status=200, error_code=None, error_message=None,
        source_ip="127.0.0.1", user_agent="aws-cli/2", request_id=f"old-{at.timestamp()}",
        resources=[], replay=True, method="POST", path="/", query="",
        headers=_environ_headers(headers), body=body)


def test_root_work_through_a_role_session_counts_as_root_work(fresh: Course) -> None:
    """Root can no longer assume a role, but a record from before can hold a session root
    began while setting up (accepted then), and that session's work after the switch to
    the IAM admin user: that work is root's."""
    account = account_id(fresh)
    ops = role(fresh, "ops", trust(account), ADMIN)
    root = root_keys(fresh)
    root_identity = ("Root", None, f"arn:aws:iam::{account}:root", account)
    append(fresh, _old_event(root, root_identity, "sts", "AssumeRole",
                             {"RoleArn": ops, "RoleSessionName": "setup"}))
    [assumed] = lookup(fresh, EventName="AssumeRole")
    credentials = assumed["record"]["responseElements"]["credentials"]
    # The session's secret is in neither the record nor CloudTrail's: the request the old
    # record holds is signed with another, which replay does not check.
    session = Keys(root.endpoint, credentials["accessKeyId"], "not-its-secret",
                   credentials["sessionToken"])
    switch_to_alice(fresh)
    assert verdicts(fresh)["root-not-used-after-admin"]["passed"] is True
    append(fresh, _old_event(session, ("AssumedRole", None, ops, session.key), "iam",
                             "CreateUser", {"UserName": "mallory"}))
    assert "mallory" in fingerprint(fresh)["users"]  # replayed, as the record says
    check = verdicts(fresh)["root-not-used-after-admin"]
    assert check["passed"] is False
    assert "iam:CreateUser at" in json.dumps(check)
    assert "(through a role session)" in json.dumps(check)


def append(course: Course, event: Event) -> None:
    """Add an event to the account's record, as if it had happened now."""
    assert course.grade("sandbox", "stop").returncode == 0
    record = Record(course.home / "sandbox" / RECORD_FILE)
    try:
        record.append(event)
    finally:
        record.close()
    assert course.grade("sandbox", "start").returncode == 0


def test_a_role_session_is_not_a_sign_in_as_the_admin_user(fresh: Course) -> None:
    """alice is set up as the admin but never used; bob works through a role named after
    her, in a session named after her: that is not alice signing in."""
    account = account_id(fresh)
    done = fresh.run([sys.executable, "-c", "import _steps as s\ns.user(); s.group(); s.join()"],
                     cwd=FOLDER / "broken")
    assert done.returncode == 0, done.stderr
    bob = user(fresh, "bob")
    alice_role = role(fresh, "alice", trust(f"arn:aws:iam::{account}:user/bob"), ADMIN)
    session = bob.session(alice_role, "alice")
    assert session.call("iam", "ListUsers")[0] == 200
    assert session.call("sts", "GetCallerIdentity")[0] == 200
    checks = verdicts(fresh)
    assert checks["user-in-admin-group"]["passed"] is True
    assert checks["signed-in-as-admin"]["passed"] is False
