"""The IAM credential report, in AWS's format, with the root user first.

AWS documents 22 columns; the root user's row is named `<root_account>`
and says `not_supported` where a root password cannot be described
(whether it is enabled, when it last changed, when it must rotate).
Dates are ISO 8601 with `+00:00`; `N/A` means "not applicable" (no
password, no key, never used) and `no_information` a password never used.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from moto.iam.models import AccessKey, IAMBackend, User

from grader.sandbox.root.models import RootUser, root_of

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
        "not_supported", "not_supported", _flag(bool(root.mfa_serials)),
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
