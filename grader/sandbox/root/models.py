"""The root user's state, kept on moto's IAMBackend as `backend.root`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from moto.iam.exceptions import LimitExceededException
from moto.iam.models import AccessKey, IAMBackend

LIMIT_KEYS = 2


class RootUser:
    """The account's root user: its keys, its password's last use, its MFA."""

    def __init__(self, account_id: str, created: dt.datetime, email: str) -> None:
        self.account_id = account_id
        self.create_date = created
        self.email = email
        self.password_last_used: dt.datetime | None = None
        self.access_keys: list[AccessKey] = []
        self.mfa_serials: list[str] = []

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
