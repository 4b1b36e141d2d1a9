"""IAM users' permissions boundaries, which moto 5.2.5 models for roles only.

A permissions boundary caps what a user's policies (and groups) can grant:
a learner's admin user whose boundary is ReadOnlyAccess is not an admin.
CreateUser's `PermissionsBoundary`, PutUserPermissionsBoundary,
DeleteUserPermissionsBoundary and GetUser's answer are added here, in the
shape moto uses for roles (`permissions_boundary_arn`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.iam.models import User
from moto.iam.responses import IamResponse


def _boundary(self: User) -> dict[str, str] | None:
    arn = getattr(self, "permissions_boundary_arn", None)
    if not arn:
        return None
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


def _set(self: IamResponse, user_name: str, arn: str | None) -> None:
    user = self.backend.get_user(user_name)
    if arn:
        self.backend.get_policy(arn)  # NoSuchEntity for a policy that does not exist
    setattr(user, "permissions_boundary_arn", arn)  # noqa: B010 - moto has no such field


def _create_user(original: Callable[[IamResponse], ActionResult]) -> Any:
    @functools.wraps(original)
    def create_user(self: IamResponse) -> ActionResult:
        boundary = self._get_param("PermissionsBoundary")
        if boundary:
            self.backend.get_policy(boundary)
        result = original(self)
        if boundary:
            _set(self, self._get_param("UserName"), boundary)
        return result

    return create_user


def put_user_permissions_boundary(self: IamResponse) -> EmptyResult:
    _set(self, self._get_param("UserName"), self._get_param("PermissionsBoundary"))
    return EmptyResult()


def delete_user_permissions_boundary(self: IamResponse) -> EmptyResult:
    _set(self, self._get_param("UserName"), None)
    return EmptyResult()


def install() -> None:
    if getattr(User, "permissions_boundary", None) is not None:
        return
    User.permissions_boundary = property(_boundary)  # type: ignore[attr-defined]
    IamResponse.create_user = _create_user(IamResponse.create_user)  # type: ignore[method-assign]
    IamResponse.put_user_permissions_boundary = put_user_permissions_boundary  # type: ignore[attr-defined]
    IamResponse.delete_user_permissions_boundary = delete_user_permissions_boundary  # type: ignore[attr-defined]
