"""The IAM additions (root user, boundaries, simulator, password policy, limits, MFA
devices), as patches of moto (`PATCHES`, applied once per process by `moto_patches`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from moto.iam.exceptions import MalformedPolicyDocument
from moto.iam.models import AccountSummary, IAMBackend, User
from moto.iam.policy_validation import IAMPolicyDocumentValidator
from moto.sts.models import STSBackend
from moto.utilities.utils import ARN_PARTITION_REGEX

from grader.sandbox.history.record import REPLAYING
from grader.sandbox.moto_patches import PROPERTY, adds, replaced_by, replaces
from grader.sandbox.services.iam import managed_policies, mfa, password_policy, responses, root_mfa
from grader.sandbox.services.iam.models import (
    check_inline_policy,
    check_managed_policy,
    check_tags,
    root_for_key,
    root_of,
)

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


def _keeping_moto_policies(original: Callable[..., Any]) -> Any:
    managed_policies.MOTOS = original  # moto's own, for the tests that compare
    return managed_policies.init_aws_policies


_BACKEND = "moto.iam.models:IAMBackend"

# What makes moto's IAM (and STS's view of the root user) answer as AWS does
# (`grader.sandbox.moto_patches`).
PATCHES = (
    *responses.PATCHES,
    replaces(_BACKEND, "_init_aws_policies", _keeping_moto_policies, shape=("self",)),
    replaced_by("moto.iam.models:AccountSummary", "_policies", property(_customer_policies),
                shape=PROPERTY),
    replaces(_BACKEND, "get_account_summary", _account_summary, shape=("self",)),
    replaces(_BACKEND, "create_login_profile", _create_login_profile,
             shape=("self", "user_name", "password")),
    replaces(_BACKEND, "update_login_profile", _update_login_profile,
             shape=("self", "user_name", "password", "password_reset_required")),
    adds(_BACKEND, "change_password", password_policy.change_password),
    replaces(_BACKEND, "delete_user", _delete_user, shape=("self", "user_name")),
    *(replaces(_BACKEND, f"put_{kind}_policy", functools.partial(_inline_policy_limit, kind),
               shape=("self", f"{kind}_name", "policy_name", "policy_json"))
      for kind in ("user", "role", "group")),
    replaces(_BACKEND, "tag_user", functools.partial(_tags_limit, "user"),
             shape=("self", "name", "tags")),
    replaces(_BACKEND, "tag_role", functools.partial(_tags_limit, "role"),
             shape=("self", "role_name", "tags")),
    replaces(_BACKEND, "tag_policy", functools.partial(_tags_limit, "policy"),
             shape=("self", "policy_arn", "tags")),
    replaces("moto.iam.policy_validation:IAMPolicyDocumentValidator", "validate",
             _identity_policy_validate, shape=("self",)),
    replaces(_BACKEND, "create_policy", _create_policy,
             shape=("self", "description", "path", "policy_document", "policy_name", "tags")),
    replaces(_BACKEND, "create_policy_version", _create_policy_version,
             shape=("self", "policy_arn", "policy_document", "set_as_default")),
    replaces("moto.sts.models:STSBackend", "get_caller_identity", _caller_identity,
             shape=("self", "access_key_id", "region")),
    adds("moto.iam.models:User", "permissions_boundary", property(responses.user_boundary)),
)
