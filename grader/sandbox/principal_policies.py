"""The policies that apply to an IAM user: its own and its groups', inline and
managed (default versions), and its permissions boundary."""

from __future__ import annotations

from typing import Any

from moto.iam.models import IAMBackend, Policy


def default_document(policy: Policy) -> str:
    version = next(v for v in policy.versions if v.version_id == policy.default_version_id)
    return str(version.document)


def policies_of_user(backend: IAMBackend, user_name: str) -> tuple[list[Any], list[Any] | None]:
    """(identity policy documents, boundary documents or None) of one user."""
    user = backend.get_user(user_name)
    documents: list[Any] = list(user.policies.values())
    documents += [default_document(p) for p in user.managed_policies.values()]
    for group in backend.get_groups_for_user(user_name):
        documents += list(group.policies.values())
        documents += [default_document(p) for p in group.managed_policies.values()]
    boundary_arn = getattr(user, "permissions_boundary_arn", None)
    boundary = [default_document(backend.get_policy(boundary_arn))] if boundary_arn else None
    return documents, boundary
