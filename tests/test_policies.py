"""Full-admin detection on policy documents, and checks fed with data made here."""

from __future__ import annotations

import datetime as dt
import importlib.util
import urllib.parse
from types import ModuleType

import pytest

from grader.checks.activity import Activity
from grader.checks.iam_state import Group, IamState, Policy, User
from grader.checks.policies import grants_full_admin, why_not_full_admin
from grader.policy import parse_document
from tests.conftest import EXERCISES

ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


@pytest.mark.parametrize("statements", [
    [ALLOW_ALL],
    [{"Effect": "Allow", "Action": ["*"], "Resource": ["*"]}],
    [{"Effect": "Allow", "Action": ["s3:*", "*"], "Resource": "*"}],
    [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, ALLOW_ALL],
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
])
def test_not_full_admin(statements: list[dict], reason: str) -> None:
    documents = [{"Version": "2012-10-17", "Statement": statements}]
    assert not grants_full_admin(documents)
    assert reason in why_not_full_admin(documents)


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
