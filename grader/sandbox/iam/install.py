"""Apply the IAM additions (root user, boundaries, simulator, password policy) to moto,
once per process."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from moto.iam.models import AccountSummary, IAMBackend, User
from moto.iam.responses import IamResponse
from moto.sts.models import STSBackend

from grader.sandbox.iam import password_policy, responses
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


def _create_login_profile(original: Callable[..., User]) -> Any:
    """CreateLoginProfile, refusing what the password policy refuses."""
    @functools.wraps(original)
    def create_login_profile(self: IAMBackend, user_name: str, password: str) -> User:
        user = self.get_user(user_name)  # NoSuchEntity first, as moto has it
        if not user.password:  # else moto refuses it: EntityAlreadyExists
            password_policy.enforce(self, user, password, changing=False)
        user = original(self, user_name, password)
        password_policy.remember(user, password)
        return user

    return create_login_profile


def _update_login_profile(original: Callable[..., User]) -> Any:
    """UpdateLoginProfile, refusing what the password policy refuses. Without a
    new password it changes only PasswordResetRequired (moto would erase the
    password); without PasswordResetRequired that stays as it was."""
    @functools.wraps(original)
    def update_login_profile(self: IAMBackend, user_name: str, password: str | None,
                             password_reset_required: bool | None) -> User:
        user = self.get_user(user_name)
        if password_reset_required is None:
            password_reset_required = user.password_reset_required
        if password is None or not user.password:  # moto: NoSuchEntity without a password
            return original(self, user_name, user.password, password_reset_required)
        password_policy.enforce(self, user, password, changing=True)
        user = original(self, user_name, password, password_reset_required)
        password_policy.remember(user, password)
        return user

    return update_login_profile


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
    IAMBackend.create_login_profile = _create_login_profile(  # type: ignore[method-assign]
        IAMBackend.create_login_profile)
    IAMBackend.update_login_profile = _update_login_profile(  # type: ignore[method-assign]
        IAMBackend.update_login_profile)
    IAMBackend.change_password = password_policy.change_password  # type: ignore[attr-defined]
    STSBackend.get_caller_identity = _caller_identity(  # type: ignore[method-assign]
        STSBackend.get_caller_identity)
    User.permissions_boundary = property(responses.user_boundary)  # type: ignore[attr-defined]
    IamResponse.create_user = responses.create_user_with_boundary(  # type: ignore[method-assign]
        IamResponse.create_user)
    _installed = True
