"""What moto's IAM lacks, kept on its IAMBackend: the root user, and what reads IAM state.

- the root user (`backend.root`): its access keys, its password's last use, its MFA;
- the policies that apply to an IAM user (for authorization and the simulator),
  with what the account's password policy grants every user;
- the credential report in AWS's format, `<root_account>` first: AWS documents
  22 columns; root's row says `not_supported` where a root password cannot be
  described; dates are ISO 8601 with `+00:00`; `N/A` means "not applicable" and
  `no_information` a password never used;
- IAM's limits that its API model does not state (`install` applies them).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from moto.iam.exceptions import LimitExceededException
from moto.iam.models import AccessKey, IAMBackend, Policy, User

LIMIT_KEYS = 2


@dataclass
class Passkey:
    """A passkey or security key of root's (WebAuthn), registered in the console."""

    credential_id: bytes
    public_key: bytes  # COSE, as the authenticator gave it
    sign_count: int
    name: str
    serial: str  # arn:aws:iam::<account>:u2f/root/<name>-<random>, as AWS names FIDO keys
    created: dt.datetime  # the account's time


class RootUser:
    """The account's root user: its keys, its password's last use, its MFA (virtual
    devices' serial numbers, and passkeys)."""

    def __init__(self, account_id: str, created: dt.datetime, email: str) -> None:
        self.account_id = account_id
        self.create_date = created
        self.email = email
        self.password_last_used: dt.datetime | None = None
        self.access_keys: list[AccessKey] = []
        self.mfa_serials: list[str] = []
        self.passkeys: list[Passkey] = []

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"

    def key(self, access_key_id: str) -> AccessKey | None:
        return next((k for k in self.access_keys if k.access_key_id == access_key_id), None)


def root_of(backend: IAMBackend) -> RootUser | None:
    """The root user of this IAM backend, None before the account is set up."""
    root: Any = getattr(backend, "root", None)
    return root if isinstance(root, RootUser) else None


def create_root(backend: IAMBackend, email: str, created: dt.datetime) -> RootUser:
    """Give the account its root user (idempotent)."""
    existing = root_of(backend)
    if existing is not None:
        return existing
    root = RootUser(backend.account_id, created, email)
    backend.root = root  # type: ignore[attr-defined]
    return root


def create_root_key(backend: IAMBackend, root: RootUser) -> AccessKey:
    """A new access key for root, known to moto so that it maps to the account."""
    if len(root.access_keys) >= LIMIT_KEYS:
        raise LimitExceededException(
            f"Cannot exceed quota for AccessKeysPerUser: {LIMIT_KEYS}"
        )
    key = AccessKey(user_name=None, prefix="AKIA", account_id=backend.account_id)  # type: ignore[abstract]
    root.access_keys.append(key)
    backend.access_keys[key.physical_resource_id] = key
    return key


def delete_root_key(backend: IAMBackend, root: RootUser, key: AccessKey) -> None:
    root.access_keys.remove(key)
    backend.access_keys.pop(key.physical_resource_id, None)


def root_for_key(backend: IAMBackend, access_key_id: str) -> RootUser | None:
    """The root user if `access_key_id` is one of its keys."""
    root = root_of(backend)
    if root is not None and root.key(access_key_id) is not None:
        return root
    return None


def default_document(policy: Policy) -> str:
    version = next(v for v in policy.versions if v.version_id == policy.default_version_id)
    return str(version.document)


def account_grants(backend: IAMBackend, user: User) -> list[dict[str, Any]]:
    """What the account's password policy lets every IAM user do: with
    AllowUsersToChangePassword, AWS "gives IAM users permissions to
    iam:ChangePassword for only their user and to the iam:GetAccountPasswordPolicy
    action" without attaching a policy to them (IAM API Reference, PasswordPolicy)."""
    policy = backend.account_password_policy
    if policy is None or not policy.allow_users_to_change_password:
        return []
    return [{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:ChangePassword", "Resource": user.arn},
        {"Effect": "Allow", "Action": "iam:GetAccountPasswordPolicy", "Resource": "*"},
    ]}]


def policies_of_user(backend: IAMBackend, user_name: str) -> tuple[list[Any], list[Any] | None]:
    """(identity policy documents, boundary documents or None) of one user,
    the password policy's grants to every user included."""
    user = backend.get_user(user_name)
    documents: list[Any] = list(user.policies.values()) + account_grants(backend, user)
    documents += [default_document(p) for p in user.managed_policies.values()]
    for group in backend.get_groups_for_user(user_name):
        documents += list(group.policies.values())
        documents += [default_document(p) for p in group.managed_policies.values()]
    boundary_arn = getattr(user, "permissions_boundary_arn", None)
    boundary = [default_document(backend.get_policy(boundary_arn))] if boundary_arn else None
    return documents, boundary


COLUMNS = (
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used",
    "password_last_changed", "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
)


def iso(moment: dt.datetime | None, missing: str = "N/A") -> str:
    if moment is None:
        return missing
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _key_columns(keys: Sequence[AccessKey]) -> list[str]:
    columns: list[str] = []
    for index in range(2):
        if index >= len(keys):
            columns += ["false", "N/A", "N/A", "N/A", "N/A"]
            continue
        key = keys[index]
        used: Any = key.last_used
        columns += [
            _flag(key.status == "Active"),
            iso(key.create_date),
            iso(used.timestamp) if used else "N/A",
            used.region if used else "N/A",
            used.service if used else "N/A",
        ]
    return columns


_NO_CERTS = ["false", "N/A", "false", "N/A"]


def root_row(root: RootUser) -> list[str]:
    return [
        "<root_account>", root.arn, iso(root.create_date), "not_supported",
        iso(root.password_last_used, missing="no_information"),
        "not_supported", "not_supported", _flag(bool(root.mfa_serials or root.passkeys)),
        *_key_columns(root.access_keys), *_NO_CERTS,
    ]


def user_row(user: User) -> list[str]:
    has_password = bool(user.password)
    if has_password:
        last_used = iso(user.password_last_used, missing="no_information")
        last_changed = iso(getattr(user, "password_last_changed", None) or user.create_date)
    else:
        last_used = last_changed = "N/A"
    return [
        user.name, user.arn, iso(user.create_date), _flag(has_password), last_used,
        last_changed, "N/A", _flag(bool(user.mfa_devices)),
        *_key_columns(user.get_all_access_keys()), *_NO_CERTS,
    ]


_REPORT = ("credential_report", "credential_report_time")  # what moto keeps of it


@contextmanager
def graders_own_report(backend: IAMBackend) -> Iterator[None]:
    """Answer the grader with a credential report of its own: its GenerateCredentialReport
    (the checks read root's row) must not make the learner's GetCredentialReport succeed,
    as it would if the grader's report were the account's. Entered under the account's
    request lock, so no other request sees the swap."""
    learners = {name: getattr(backend, name, None) for name in _REPORT}
    graders = getattr(backend, "_graders_report", dict.fromkeys(_REPORT))
    for name, value in graders.items():
        setattr(backend, name, value)
    try:
        yield
    finally:
        backend._graders_report = {  # type: ignore[attr-defined]
            name: getattr(backend, name, None) for name in _REPORT}
        for name, value in learners.items():
            setattr(backend, name, value)


def credential_report(backend: IAMBackend) -> str:
    """The whole report as CSV text, `<root_account>` first, then users by creation."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    root = root_of(backend)
    if root is not None:
        writer.writerow(root_row(root))
    for user in sorted(backend.users.values(), key=lambda u: u.create_date):
        writer.writerow(user_row(user))
    return out.getvalue()


# -- limits the API model does not state ------------------------------------
#
# "IAM and AWS STS quotas" (IAM User Guide, reference_iam-quotas.html): all the
# inline policies of one user, role or group together at most 2,048, 10,240 and
# 5,120 characters; a managed policy at most 6,144; "IAM does not count white
# space when calculating the size of a policy"; 50 tags on a user, role or
# customer managed policy. (A single request's 50 tags, 128-character keys and
# 256-character values are in the model: `grader.sandbox.front_desk.validation`.) The
# policy messages are AWS's, as its users quote them (LimitExceeded, HTTP 409);
# the tags message is the one IAM-compatible services give (no quote of AWS's
# own was found).

INLINE_POLICIES_QUOTA = {"user": 2048, "role": 10240, "group": 5120}
MANAGED_POLICY_QUOTA = 6144
TAGS_QUOTA = 50
_WHITE_SPACE = " \t\n\r"


def policy_size(document: str) -> int:
    """A policy document's size as IAM counts it: its characters but white space."""
    return len(document) - sum(document.count(space) for space in _WHITE_SPACE)


def check_inline_policy(kind: str, name: str, policies: dict[str, str], policy_name: str,
                        document: str) -> None:
    """LimitExceeded when putting `document` as `policy_name` makes the inline
    policies of this user, role or group too large together."""
    quota = INLINE_POLICIES_QUOTA[kind]
    size = policy_size(document) + sum(
        policy_size(str(other)) for key, other in policies.items() if key != policy_name)
    if size > quota:
        raise LimitExceededException(
            f"Maximum policy size of {quota} bytes exceeded for {kind} {name}")


def check_managed_policy(document: str) -> None:
    if policy_size(document) > MANAGED_POLICY_QUOTA:
        raise LimitExceededException(
            f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_QUOTA}")


def check_tags(existing: Any, tags: list[dict[str, str]]) -> None:
    """LimitExceeded when adding `tags` leaves a resource with more than 50 (a new
    value for a key it has, in any case, replaces that tag). `existing`: the
    resource's tags as moto keeps them (a list of tags, or a dict of them)."""
    kept = existing.values() if isinstance(existing, dict) else existing or []
    keys = {str(tag["Key"]).lower() for tag in kept}
    keys |= {str(tag.get("Key", "")).lower() for tag in tags}
    if len(keys) > TAGS_QUOTA:
        raise LimitExceededException("The number of tags has reached the maximum limit.")
