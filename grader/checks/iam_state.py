"""The account's IAM users, groups and policies, and its root user's keys,
collected once per grading through read-only calls.

Collection is kept apart from evaluation: checks are plain functions of
this snapshot. Every call that fails stops the grading with the reason
(exit 2); nothing is ever taken as "empty" because it could not be read.
"""

from __future__ import annotations

import base64
import csv
import io
import time
from dataclasses import dataclass, field
from typing import Any

from grader.checks.calls import call, pages
from grader.checks.target import Target
from grader.errors import GradeError
from grader.policy import parse_document
from grader.policy.full_admin import grants_full_admin


@dataclass
class Policy:
    """A permissions policy attached to a user or group (managed or inline)."""

    name: str
    arn: str | None  # None for an inline policy
    document: dict[str, Any]


@dataclass
class User:
    name: str
    arn: str
    has_password: bool
    groups: list[str]
    policies: list[Policy]
    boundary: Policy | None
    last_used: str | None = None  # when its password or a key was last used (credential report)


@dataclass
class Group:
    name: str
    arn: str
    policies: list[Policy]

    @property
    def full_admin(self) -> bool:
        return grants_full_admin(p.document for p in self.policies)


@dataclass
class RootKeys:
    """The root user's access keys, from the credential report and account summary."""

    present: bool
    active: int
    inactive: int


@dataclass
class IamState:
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    root_keys: RootKeys | None = None


class _Collector:
    def __init__(self, target: Target) -> None:
        self.iam = target.client("iam")
        self._managed: dict[str, Policy] = {}

    def managed(self, arn: str, name: str) -> Policy:
        if arn not in self._managed:
            version = call(self.iam, "get_policy", PolicyArn=arn)["Policy"]["DefaultVersionId"]
            document = call(self.iam, "get_policy_version", PolicyArn=arn,
                             VersionId=version)["PolicyVersion"]["Document"]
            self._managed[arn] = Policy(name, arn, parse_document(document))
        return self._managed[arn]

    def user(self, entry: dict[str, Any]) -> User:
        from botocore.exceptions import ClientError

        name = entry["UserName"]
        try:
            self.iam.get_login_profile(UserName=name)
            has_password = True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchEntity":
                call(self.iam, "get_login_profile", UserName=name)  # raises the reason
            has_password = False
        groups = [g["GroupName"] for g in
                  pages(self.iam, "list_groups_for_user", "Groups", UserName=name)]
        policies = [self.managed(p["PolicyArn"], p["PolicyName"]) for p in
                    pages(self.iam, "list_attached_user_policies", "AttachedPolicies",
                           UserName=name)]
        for policy_name in pages(self.iam, "list_user_policies", "PolicyNames", UserName=name):
            document = call(self.iam, "get_user_policy", UserName=name,
                             PolicyName=policy_name)["PolicyDocument"]
            policies.append(Policy(policy_name, None, parse_document(document)))
        boundary_info = call(self.iam, "get_user", UserName=name)["User"].get(
            "PermissionsBoundary")
        boundary = None
        if boundary_info:
            arn = boundary_info["PermissionsBoundaryArn"]
            boundary = self.managed(arn, arn.rsplit("/", 1)[-1])
        return User(name, entry["Arn"], has_password, groups, policies, boundary)

    def group(self, entry: dict[str, Any]) -> Group:
        name = entry["GroupName"]
        policies = [self.managed(p["PolicyArn"], p["PolicyName"]) for p in
                    pages(self.iam, "list_attached_group_policies", "AttachedPolicies",
                           GroupName=name)]
        for policy_name in pages(self.iam, "list_group_policies", "PolicyNames",
                                  GroupName=name):
            document = call(self.iam, "get_group_policy", GroupName=name,
                             PolicyName=policy_name)["PolicyDocument"]
            policies.append(Policy(policy_name, None, parse_document(document)))
        return Group(name, entry["Arn"], policies)

    def root_keys(self, row: dict[str, str]) -> RootKeys:
        summary = call(self.iam, "get_account_summary")["SummaryMap"]
        active = sum(row.get(f"access_key_{n}_active") == "true" for n in (1, 2))
        existing = sum(row.get(f"access_key_{n}_last_rotated", "N/A") != "N/A" for n in (1, 2))
        present = bool(summary.get("AccountAccessKeysPresent")) or existing > 0
        return RootKeys(present, active, max(existing - active, 0))


def root_row(iam: Any) -> dict[str, str]:
    """The `<root_account>` row of a fresh credential report."""
    rows = credential_report(iam)
    if "<root_account>" not in rows:
        raise GradeError("The credential report has no <root_account> row.",
                         "The account could not be read completely; try again.")
    return rows["<root_account>"]


def last_used(row: dict[str, str]) -> str | None:
    """The latest use of a user's password or keys in its report row, None if never."""
    dates = [row.get(name, "") for name in (
        "password_last_used", "access_key_1_last_used_date", "access_key_2_last_used_date")]
    found = sorted(d for d in dates if d[:2] in {"19", "20"})
    return found[-1] if found else None


def credential_report(iam: Any, wait: float = 20.0) -> dict[str, dict[str, str]]:
    """A fresh credential report's rows, by user name (root is `<root_account>`)."""
    from botocore.exceptions import ClientError

    call(iam, "generate_credential_report")
    deadline = time.monotonic() + wait
    while True:
        try:
            content = iam.get_credential_report()["Content"]
            break
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code not in {"ReportInProgress", "ReportNotReady"} or time.monotonic() > deadline:
                call(iam, "get_credential_report")  # raises with the reason
            time.sleep(1)
    if isinstance(content, str):
        content = base64.b64decode(content)
    rows = csv.DictReader(io.StringIO(content.decode("utf-8")))
    return {row.get("user", ""): row for row in rows}


def collect(target: Target, with_root: bool = True) -> IamState:
    """Read the whole IAM picture of the target account."""
    collector = _Collector(target)
    state = IamState()
    for entry in pages(collector.iam, "list_users", "Users"):
        user = collector.user(entry)
        state.users[user.name] = user
    for entry in pages(collector.iam, "list_groups", "Groups"):
        group = collector.group(entry)
        state.groups[group.name] = group
    report = credential_report(collector.iam)
    for user in state.users.values():
        user.last_used = last_used(report.get(user.name, {}))
    if with_root:
        if "<root_account>" not in report:
            raise GradeError("The credential report has no <root_account> row.",
                             "The account could not be read completely; try again.")
        state.root_keys = collector.root_keys(report["<root_account>"])
    return state
