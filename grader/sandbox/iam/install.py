"""Apply the IAM additions (root user, boundaries, simulator) to moto, once per process."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from moto.core.utils import utcnow
from moto.iam.models import AccountSummary, IAMBackend, User
from moto.iam.responses import IamResponse
from moto.sts.models import STSBackend

from grader.sandbox.iam import responses
from grader.sandbox.iam.models import root_for_key, root_of

_installed = False


def _account_summary(original: Callable[[IAMBackend], AccountSummary]) -> Any:
    @functools.wraps(original)
    def get_account_summary(self: IAMBackend) -> AccountSummary:
        summary = original(self)
        root = root_of(self)
        summary._account_mfa_enabled = int(bool(root and root.mfa_serials))
        summary._account_access_keys_present = int(bool(root and root.access_keys))
        return summary

    return get_account_summary


def _remember_password_change(original: Callable[..., Any]) -> Any:
    @functools.wraps(original)
    def wrapper(self: IAMBackend, user_name: str, *args: Any, **kwargs: Any) -> Any:
        result = original(self, user_name, *args, **kwargs)
        setattr(self.get_user(user_name), "password_last_changed", utcnow())  # noqa: B010
        return result

    return wrapper


def _caller_identity(original: Callable[..., tuple[str, str, str]]) -> Any:
    @functools.wraps(original)
    def get_caller_identity(self: STSBackend, access_key_id: str, region: str) -> Any:
        from moto.iam.models import iam_backends

        iam = iam_backends[self.account_id][self.partition]
        root = root_for_key(iam, access_key_id)
        if root is not None:
            return root.account_id, root.arn, root.account_id
        return original(self, access_key_id, region)

    return get_caller_identity


def install() -> None:
    """Make moto's IAM and STS answer as AWS does where this package says so (idempotent)."""
    global _installed
    if _installed:
        return
    for name, method in responses.PATCHES.items():
        setattr(IamResponse, name, method)
    IAMBackend.get_account_summary = _account_summary(  # type: ignore[method-assign]
        IAMBackend.get_account_summary)
    for name in ("create_login_profile", "update_login_profile"):
        setattr(IAMBackend, name, _remember_password_change(getattr(IAMBackend, name)))
    STSBackend.get_caller_identity = _caller_identity(  # type: ignore[method-assign]
        STSBackend.get_caller_identity)
    User.permissions_boundary = property(responses.user_boundary)  # type: ignore[attr-defined]
    IamResponse.create_user = responses.create_user_with_boundary(  # type: ignore[method-assign]
        IamResponse.create_user)
    _installed = True
