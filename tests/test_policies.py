"""Full-admin detection on policy documents, and checks fed with data made here."""

from __future__ import annotations

import datetime as dt
import importlib.util
import urllib.parse
from types import ModuleType

import pytest

from grader.checks.activity import Activity
from grader.checks.iam_state import Group, IamState, Policy, User
from grader.policy import parse_document
from grader.policy.full_admin import grants_full_admin, why_not_full_admin
from tests.conftest import EXERCISES

ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


@pytest.mark.parametrize("statements", [
    [ALLOW_ALL],
    [{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}],
    [{"Effect": "Allow", "Action": ["s3:*", "*"], "Resource": "*"}],
    [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, ALLOW_ALL],
    # AWS's own "deny when not over TLS": every API request is over TLS.
    [ALLOW_ALL, {"Effect": "Deny", "Action": "*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}],
    # Everything but IAM, and IAM: everything.
    [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
     {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
    [{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::secret"},
     {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::secret"}],
    # 04's policy: a Deny only for requests made without MFA.
    [ALLOW_ALL, {"Effect": "Deny", "NotAction": ["iam:*MFA*", "sts:GetSessionToken"],
                 "Resource": "*",
                 "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}],
    [{**ALLOW_ALL, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}],
])
def test_full_admin(statements: list[dict]) -> None:
    assert grants_full_admin([{"Version": "2012-10-17", "Statement": statements}])


@pytest.mark.parametrize(("statements", "reason"), [
    ([], "no permissions policy"),
    ([{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}], "only some actions"),
    ([{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::*"}], "some resources"),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "NotAction"),
    ([ALLOW_ALL, {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}], "denies"),
    ([{**ALLOW_ALL, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}],
     "condition"),
    ([{**ALLOW_ALL, "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}],
     "condition"),
    # An identity policy may not name a principal: IAM refuses it, it grants nothing.
    ([{**ALLOW_ALL, "Principal": {"AWS": "*"}}], "names a Principal"),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
      {"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}], "NotAction"),
    # A Deny on anything else of the request takes something away (for some requests).
    ([ALLOW_ALL, {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {
        "StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}}], "denies"),
    ([ALLOW_ALL, {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::logs*"}],
     "denies some actions (s3:* on arn:aws:s3:::logs*)"),
])
def test_not_full_admin(statements: list[dict], reason: str) -> None:
    documents = [{"Version": "2012-10-17", "Statement": statements}]
    assert not grants_full_admin(documents)
    assert reason in why_not_full_admin(documents)


def test_an_invalid_document_beside_a_valid_one_grants_nothing_of_its_own() -> None:
    valid = {"Statement": [ALLOW_ALL]}
    invalid = {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
                              "Principal": "*"}]}
    assert grants_full_admin([valid, invalid])  # IAM never took the Deny


def test_many_named_actions_beside_full_admin_are_judged_quickly() -> None:
    """A group with a long managed policy (ReadOnlyAccess names over a thousand actions)
    beside AdministratorAccess: each probe meets the broadest Allow first."""
    import time

    named = {"Effect": "Allow", "Action": [f"svc{n}:Get{n}*" for n in range(1500)],
             "Resource": "*"}
    started = time.perf_counter()
    assert grants_full_admin([{"Statement": [named]}, {"Statement": [ALLOW_ALL]}])
    assert not grants_full_admin([{"Statement": [named]}])
    assert time.perf_counter() - started < 5  # seconds; about 0.1 here


def test_documents_may_come_url_encoded() -> None:
    text = urllib.parse.quote('{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}')
    assert grants_full_admin([parse_document(text)])


def checks() -> ModuleType:
    path = EXERCISES / "03-stop-using-root" / "test_stop_using_root.py"
    spec = importlib.util.spec_from_file_location("checks_03_for_tests", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def admin_account(last_used: str | None) -> IamState:
    admin = Policy("AdministratorAccess", "arn:aws:iam::aws:policy/AdministratorAccess",
                   {"Statement": [ALLOW_ALL]})
    return IamState(
        users={"alice": User("alice", "arn:aws:iam::1:user/alice", True, ["Admins"], [], None,
                             last_used)},
        groups={"Admins": Group("Admins", "arn:aws:iam::1:group/Admins", [admin])},
    )


def root_write(name: str) -> Activity:
    return Activity(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), name, "s3.amazonaws.com",
                    "Root", None, "AKIA", False, True, {}, {})


def test_use_older_than_the_event_history_counts() -> None:
    module = checks()
    module.test_signed_in_as_admin(admin_account("2025-01-01T00:00:00+00:00"), [])
    with pytest.raises(AssertionError, match="nobody has signed in"):
        module.test_signed_in_as_admin(admin_account(None), [])
    module.test_root_not_used_after_admin(admin_account("2025-01-01T00:00:00+00:00"), [])
    with pytest.raises(AssertionError, match="s3:CreateBucket"):
        module.test_root_not_used_after_admin(admin_account("2025-01-01T00:00:00+00:00"),
                                              [root_write("CreateBucket")])


TLS_DENY = {"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


@pytest.mark.parametrize(("statements", "passes"), [
    ([ALLOW_ALL, TLS_DENY], True),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
      {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}], True),
    ([{**ALLOW_ALL, "Principal": "*"}], False),
])
def test_03s_admin_check_evaluates_the_groups_policies(statements: list[dict],
                                                       passes: bool) -> None:
    group = Group("Admins", "arn:aws:iam::1:group/Admins",
                  [Policy("mine", None, {"Version": "2012-10-17", "Statement": statements})])
    state = IamState(users={}, groups={"Admins": group})
    if passes:
        checks().test_admin_group(state)
    else:
        with pytest.raises(AssertionError, match="names a Principal"):
            checks().test_admin_group(state)
