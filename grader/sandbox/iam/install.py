"""Apply the IAM additions (root user, boundaries, simulator, password policy, limits,
MFA devices) to moto, once per process."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from moto.iam.exceptions import MalformedPolicyDocument
from moto.iam.models import AccountSummary, IAMBackend, User
from moto.iam.policy_validation import IAMPolicyDocumentValidator
from moto.iam.responses import IamResponse
from moto.sts.models import STSBackend
from moto.utilities.utils import ARN_PARTITION_REGEX

from grader.sandbox.iam import managed_policies, mfa, password_policy, responses, root_mfa
from grader.sandbox.iam.models import (
    check_inline_policy,
    check_managed_policy,
    check_tags,
    root_for_key,
    root_of,
)
from grader.sandbox.record import REPLAYING

_installed = False


_AWS_POLICY = re.compile(ARN_PARTITION_REGEX + ":iam::aws:policy")


def _customer_policies(summary: AccountSummary) -> int:
    """AccountSummary's `Policies` (moto's, with its pattern compiled once: moto matched
    ~1,600 ARNs against an uncompiled pattern on every GetAccountSummary, 19 ms)."""
    return sum(1 for arn in summary._iam_backend.managed_policies
               if not _AWS_POLICY.match(arn))


def _account_summary(original: Callable[[IAMBackend], AccountSummary]) -> Any:
    @functools.wraps(original)
    def get_account_summary(self: IAMBackend) -> AccountSummary:
        summary = original(self)
        root = root_of(self)
        summary._account_mfa_enabled = int(root is not None and root_mfa.count(root) > 0)
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


def _delete_user(original: Callable[[IAMBackend, str], None]) -> Any:
    """DeleteUser, refusing a user who still has an MFA device (as AWS does)."""
    @functools.wraps(original)
    def delete_user(self: IAMBackend, user_name: str) -> None:
        mfa.refuse_deleting_user_with_device(self, user_name)
        original(self, user_name)

    return delete_user


def _inline_policy_limit(kind: str, original: Callable[..., None]) -> Any:
    """Put{User,Role,Group}Policy, refusing what makes the inline policies too large."""
    @functools.wraps(original)
    def put_policy(self: IAMBackend, name: str, policy_name: str, policy_json: str) -> None:
        owner = getattr(self, f"get_{kind}")(name)  # NoSuchEntity first
        if not REPLAYING.get():
            check_inline_policy(kind, owner.name, owner.policies, policy_name, policy_json)
        original(self, name, policy_name, policy_json)

    return put_policy


def _create_policy(original: Callable[..., Any]) -> Any:
    @functools.wraps(original)
    def create_policy(self: IAMBackend, description: str, path: str, policy_document: str,
                      policy_name: str, tags: list[dict[str, str]]) -> Any:
        if not REPLAYING.get():
            check_managed_policy(policy_document)
        return original(self, description, path, policy_document, policy_name, tags)

    return create_policy


def _create_policy_version(original: Callable[..., Any]) -> Any:
    @functools.wraps(original)
    def create_policy_version(self: IAMBackend, policy_arn: str, policy_document: str,
                              set_as_default: bool) -> Any:
        self.get_policy(policy_arn)  # NoSuchEntity first
        if not REPLAYING.get():
            check_managed_policy(policy_document)
        return original(self, policy_arn, policy_document, set_as_default)

    return create_policy_version


def _identity_policy_validate(original: Callable[..., None]) -> Any:
    """An identity policy (managed or inline) naming a principal is refused, as IAM refuses
    it: only resource-based policies (and trust policies) name principals (IAM User Guide,
    "AWS JSON policy elements: Principal"). moto accepts it."""
    @functools.wraps(original)
    def validate(self: IAMPolicyDocumentValidator) -> None:
        original(self)
        if REPLAYING.get():
            return
        found = self._statements if isinstance(self._statements, list) else [self._statements]
        if any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in found):
            raise MalformedPolicyDocument("Policy document should not specify a principal.")

    return validate


def _tags_of(backend: IAMBackend, kind: str, name: str) -> Any:
    if kind == "user":
        user = backend.get_user(name)
        return backend.tagger.list_tags_for_resource(user.arn)["Tags"]
    if kind == "role":
        return backend.get_role(name).tags
    return backend.get_policy(name).tags


def _tags_limit(kind: str, original: Callable[..., None]) -> Any:
    """Tag{User,Role,Policy}, refusing what leaves more than 50 tags on the resource."""
    @functools.wraps(original)
    def tag(self: IAMBackend, name: str, tags: list[dict[str, str]]) -> None:
        existing = _tags_of(self, kind, name)  # NoSuchEntity first
        if not REPLAYING.get():
            check_tags(existing, tags)
        original(self, name, tags)

    return tag


def install() -> None:
    """Make moto's IAM and STS answer as AWS does where this package says so (idempotent)."""
    global _installed
    if _installed:
        return
    for name, method in responses.PATCHES.items():
        setattr(IamResponse, name, method)
    managed_policies.MOTOS = IAMBackend._init_aws_policies
    IAMBackend._init_aws_policies = managed_policies.init_aws_policies  # type: ignore[method-assign,assignment]
    AccountSummary._policies = property(_customer_policies)  # type: ignore[assignment,method-assign]
    IAMBackend.get_account_summary = _account_summary(  # type: ignore[method-assign]
        IAMBackend.get_account_summary)
    IAMBackend.create_login_profile = _create_login_profile(  # type: ignore[method-assign]
        IAMBackend.create_login_profile)
    IAMBackend.update_login_profile = _update_login_profile(  # type: ignore[method-assign]
        IAMBackend.update_login_profile)
    IAMBackend.change_password = password_policy.change_password  # type: ignore[attr-defined]
    IAMBackend.delete_user = _delete_user(IAMBackend.delete_user)  # type: ignore[method-assign]
    for kind in ("user", "role", "group"):
        name = f"put_{kind}_policy"
        setattr(IAMBackend, name, _inline_policy_limit(kind, getattr(IAMBackend, name)))
    for kind in ("user", "role", "policy"):
        name = f"tag_{kind}"
        setattr(IAMBackend, name, _tags_limit(kind, getattr(IAMBackend, name)))
    IAMPolicyDocumentValidator.validate = _identity_policy_validate(  # type: ignore[method-assign]
        IAMPolicyDocumentValidator.validate)
    IAMBackend.create_policy = _create_policy(  # type: ignore[method-assign]
        IAMBackend.create_policy)
    IAMBackend.create_policy_version = _create_policy_version(  # type: ignore[method-assign]
        IAMBackend.create_policy_version)
    STSBackend.get_caller_identity = _caller_identity(  # type: ignore[method-assign]
        STSBackend.get_caller_identity)
    User.permissions_boundary = property(responses.user_boundary)  # type: ignore[attr-defined]
    IamResponse.create_user = responses.create_user_with_boundary(  # type: ignore[method-assign]
        IamResponse.create_user)
    _installed = True
