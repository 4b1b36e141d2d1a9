"""IAM operations answered as AWS answers them, where moto answers otherwise or not at all.

- Access keys and MFA devices without a user name act on the caller's own
  (root's own keys when root calls; root may even delete the key it signs with;
  an IAM user's through GetSessionToken's credentials too). A role session
  must name the user: AWS's ValidationError "Must specify userName when
  calling with non-User credentials".
- Virtual MFA devices (`mfa`): CreateVirtualMFADevice's seed and QR code,
  EnableMFADevice and ResyncMFADevice with real codes, DeactivateMFADevice,
  DeleteVirtualMFADevice, ListVirtualMFADevices by AssignmentStatus,
  GetMFADevice.
- GetAccessKeyLastUsed and the credential report know the root user.
- IAM users' permissions boundaries (moto 5.2.5 models them for roles only):
  CreateUser's `PermissionsBoundary`, Put/DeleteUserPermissionsBoundary.
- SimulatePrincipalPolicy for users, answered by `grader.policy`.
- ChangePassword (moto 5.2.5 lacks it): an IAM user changes its own password,
  under the password policy (`password_policy`); root may not call it.

`PATCHES` puts these methods on moto's `IamResponse` (`grader.sandbox.moto_patches`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.iam.exceptions import IAMException, NotFoundException, ValidationError
from moto.iam.models import User
from moto.iam.responses import IamResponse

from grader.policy import Request, evaluate
from grader.sandbox.moto_patches import ACTION, adds, replaced_by, replaces
from grader.sandbox.services.iam import mfa, root_mfa
from grader.sandbox.services.iam.models import (
    RootUser,
    create_root_key,
    credential_report,
    delete_root_key,
    policies_of_user,
    root_for_key,
    root_of,
)
from grader.sandbox.services.iam.password_policy import InvalidUserType

NOT_A_USER = "Must specify userName when calling with non-User credentials"


def _not_found(access_key_id: str) -> NotFoundException:
    return NotFoundException(f"The Access Key with id {access_key_id} cannot be found")


def _caller_kind_and_name(self: IamResponse) -> tuple[str, str | None]:
    # the front desk's: it imports this package
    from grader.sandbox.front_desk.callers import identify

    caller = identify(self.get_access_key(), self.backend)
    return caller.kind, caller.name


def _root_calling(self: IamResponse) -> RootUser | None:
    """The root user when it signed this request (with its key, or its session's)."""
    return root_of(self.backend) if _caller_kind_and_name(self)[0] == "Root" else None


def _caller_user_name(self: IamResponse) -> str:
    """The IAM user who signed this request, with one of its keys or with the
    credentials of its GetSessionToken (ValidationError for any other caller)."""
    kind, name = _caller_kind_and_name(self)
    if kind != "IAMUser" or not name:
        raise ValidationError(NOT_A_USER)
    return name


def _user_name(self: IamResponse) -> str:
    """The request's UserName, or the calling user's when it has none."""
    return str(self._get_param("UserName") or _caller_user_name(self))


def list_access_keys(self: IamResponse) -> ActionResult:
    user_name = self._get_param("UserName")
    if not user_name:
        root = _root_calling(self)
        if root is not None:
            return ActionResult({"AccessKeyMetadata": list(root.access_keys)})
        user_name = _caller_user_name(self)
    keys = self.backend.list_access_keys(user_name)
    return ActionResult({"UserName": user_name, "AccessKeyMetadata": keys})


def create_access_key(self: IamResponse) -> ActionResult:
    user_name = self._get_param("UserName")
    if not user_name:
        root = _root_calling(self)
        if root is not None:
            return ActionResult({"AccessKey": create_root_key(self.backend, root)})
        user_name = _caller_user_name(self)
    return ActionResult({"AccessKey": self.backend.create_access_key(user_name)})


def _key_to_change(self: IamResponse) -> tuple[RootUser | None, Any, str]:
    """Whose key `AccessKeyId` is: `(root, key, "")` for root's own key, or
    `(None, None, user_name)` for a user's; NoSuchEntity for anything else."""
    user_name = self._get_param("UserName")
    access_key_id = self._get_param("AccessKeyId")
    if not user_name:
        root = _root_calling(self)
        if root is not None:
            key = root.key(access_key_id)
            if key is None:
                raise _not_found(access_key_id)
            return root, key, ""
        user_name = _caller_user_name(self)
    user = self.backend.get_user(user_name)
    if not any(k.access_key_id == access_key_id for k in user.access_keys):
        raise _not_found(access_key_id)
    return None, None, str(user_name)


def update_access_key(self: IamResponse) -> EmptyResult:
    root, key, user_name = _key_to_change(self)
    status = self._get_param("Status")
    if root is not None:
        key.status = status
    else:
        self.backend.update_access_key(user_name, self._get_param("AccessKeyId"), status)
    return EmptyResult()


def delete_access_key(self: IamResponse) -> EmptyResult:
    root, key, user_name = _key_to_change(self)
    if root is not None:
        delete_root_key(self.backend, root, key)
    else:
        self.backend.delete_access_key(self._get_param("AccessKeyId"), user_name)
    return EmptyResult()


def list_mfa_devices(self: IamResponse) -> ActionResult:
    """Without a user name: the caller's own MFA devices (root's, for root)."""
    user_name = self._get_param("UserName")
    if not user_name:
        root = _root_calling(self)
        if root is not None:
            return ActionResult({"MFADevices": root_mfa.devices(self.backend, root),
                                 "IsTruncated": False})
        user_name = _caller_user_name(self)
    user = self.backend.get_user(user_name)
    return ActionResult({"MFADevices": [
        {"UserName": user.name, "SerialNumber": d.serial_number, "EnableDate": d.enable_date}
        for d in user.mfa_devices.values()], "IsTruncated": False})


def create_virtual_mfa_device(self: IamResponse) -> ActionResult:
    device = mfa.create(self.backend, str(self._get_param("VirtualMFADeviceName")),
                        self._get_param("Path"))
    return ActionResult({"VirtualMFADevice": device})


def delete_virtual_mfa_device(self: IamResponse) -> EmptyResult:
    mfa.delete(self.backend, str(self._get_param("SerialNumber")))
    return EmptyResult()


def list_virtual_mfa_devices(self: IamResponse) -> ActionResult:
    devices, marker = mfa.listed(
        self.backend, str(self._get_param("AssignmentStatus") or "Any"),
        self._get_param("Marker"), int(self._get_param("MaxItems") or 100))
    result: dict[str, Any] = {"VirtualMFADevices": devices, "IsTruncated": marker is not None}
    if marker is not None:
        result["Marker"] = marker
    return ActionResult(result)


def enable_mfa_device(self: IamResponse) -> EmptyResult:
    mfa.enable(self.backend, str(self._get_param("UserName")),
               str(self._get_param("SerialNumber")), self._get_param("AuthenticationCode1"),
               self._get_param("AuthenticationCode2"))
    return EmptyResult()


def resync_mfa_device(self: IamResponse) -> EmptyResult:
    mfa.resync(self.backend, str(self._get_param("UserName")),
               str(self._get_param("SerialNumber")), self._get_param("AuthenticationCode1"),
               self._get_param("AuthenticationCode2"))
    return EmptyResult()


def deactivate_mfa_device(self: IamResponse) -> EmptyResult:
    mfa.deactivate(self.backend, _user_name(self), str(self._get_param("SerialNumber")))
    return EmptyResult()


def get_mfa_device(self: IamResponse) -> ActionResult:
    return ActionResult(mfa.described(self.backend, _user_name(self),
                                      str(self._get_param("SerialNumber"))))


def get_access_key_last_used(self: IamResponse) -> ActionResult:
    access_key_id = self._get_param("AccessKeyId")
    root = root_for_key(self.backend, access_key_id)
    if root is not None:
        key: Any = root.key(access_key_id)
        owner = "root"
    else:
        key = next(
            (k for k in self.backend.get_all_access_keys_for_all_users()
             if k.access_key_id == access_key_id),
            None,
        )
        if key is None:
            raise _not_found(access_key_id)
        owner = key.user_name
    used = key.last_used
    last_used = (
        {"LastUsedDate": used.timestamp, "Region": used.region, "ServiceName": used.service}
        if used
        else {"Region": "N/A", "ServiceName": "N/A"}
    )
    return ActionResult({"UserName": owner, "AccessKeyLastUsed": last_used})


def generate_credential_report(self: IamResponse) -> ActionResult:
    from moto.core.utils import utcnow

    generated = getattr(self.backend, "credential_report_time", None)
    setattr(self.backend, "credential_report_time", utcnow())  # noqa: B010
    self.backend.credential_report = True
    if generated is None:
        return ActionResult({
            "State": "STARTED",
            "Description": "No report exists. Starting a new report generation task",
        })
    return ActionResult({"State": "COMPLETE"})


def get_credential_report(self: IamResponse) -> ActionResult:
    from moto.iam.exceptions import ReportNotPresentException

    generated: dt.datetime | None = getattr(self.backend, "credential_report_time", None)
    if generated is None:
        raise ReportNotPresentException("Credential report not present")
    return ActionResult({
        "Content": credential_report(self.backend),
        "ReportFormat": "text/csv",
        "GeneratedTime": generated,
    })


def user_boundary(self: User) -> dict[str, str] | None:
    arn = getattr(self, "permissions_boundary_arn", None)
    if not arn:
        return None
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


def _set(self: IamResponse, user_name: str, arn: str | None) -> None:
    user = self.backend.get_user(user_name)
    if arn:
        self.backend.get_policy(arn)  # NoSuchEntity for a policy that does not exist
    setattr(user, "permissions_boundary_arn", arn)  # noqa: B010 - moto has no such field


def create_user_with_boundary(original: Callable[[IamResponse], ActionResult]) -> Any:
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


class InvalidInput(IAMException):
    code = "InvalidInput"


def _context(entries: list[dict[str, Any]], user_name: str) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = {"aws:username": user_name}
    for entry in entries or []:
        values = [str(v) for v in entry.get("ContextKeyValues", [])]
        context[entry["ContextKeyName"]] = values if len(values) != 1 else values[0]
    return context


def simulate_principal_policy(self: IamResponse) -> ActionResult:
    source = self._get_param("PolicySourceArn") or ""
    if ":user/" not in source:
        raise InvalidInput("The simulated account simulates IAM users only "
                           f"(PolicySourceArn {source!r}).")
    user_name = source.rsplit("/", 1)[-1]
    try:
        documents, boundary = policies_of_user(self.backend, user_name)
    except NotFoundException:
        raise NotFoundException(f"The user with name {user_name} cannot be found.") from None
    documents += list(self._get_param("PolicyInputList") or [])
    boundary = list(self._get_param("PermissionsBoundaryPolicyInputList") or []) or boundary
    context = _context(self._get_param("ContextEntries") or [], user_name)
    results = []
    for action in self._get_param("ActionNames") or []:
        for resource in self._get_param("ResourceArns") or ["*"]:
            decision = evaluate(documents, Request(action, resource, context), boundary)
            results.append({
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": decision.decision,
                "MatchedStatements": [{"SourcePolicyId": str(s.get("Sid", ""))}
                                      for s in decision.matched],
                "MissingContextValues": [],
            })
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


def change_password(self: IamResponse) -> EmptyResult:
    """ChangePassword, for the IAM user who signs the request (its own password only)."""
    if _root_calling(self) is not None:
        # AWS: "If this command is called using AWS account (root) credentials,
        # the command returns an InvalidUserType error" (the AWS CLI's example).
        raise InvalidUserType("ChangePassword changes an IAM user's own password; "
                              "the root user's password is changed in the console.")
    self.backend.change_password(  # type: ignore[attr-defined]
        _caller_user_name(self), self._get_param("OldPassword"), self._get_param("NewPassword"))
    return EmptyResult()


_IAM = "moto.iam.responses:IamResponse"
# Each action AWS answers otherwise: moto's replaced, or added where moto lacks it.
PATCHES = (
    replaced_by(_IAM, "list_access_keys", list_access_keys, shape=ACTION),
    replaced_by(_IAM, "create_access_key", create_access_key, shape=ACTION),
    replaced_by(_IAM, "update_access_key", update_access_key, shape=ACTION),
    replaced_by(_IAM, "delete_access_key", delete_access_key, shape=ACTION),
    replaced_by(_IAM, "get_access_key_last_used", get_access_key_last_used, shape=ACTION),
    replaced_by(_IAM, "list_mfa_devices", list_mfa_devices, shape=ACTION),
    replaced_by(_IAM, "create_virtual_mfa_device", create_virtual_mfa_device, shape=ACTION),
    replaced_by(_IAM, "delete_virtual_mfa_device", delete_virtual_mfa_device, shape=ACTION),
    replaced_by(_IAM, "list_virtual_mfa_devices", list_virtual_mfa_devices, shape=ACTION),
    replaced_by(_IAM, "enable_mfa_device", enable_mfa_device, shape=ACTION),
    adds(_IAM, "resync_mfa_device", resync_mfa_device),
    replaced_by(_IAM, "deactivate_mfa_device", deactivate_mfa_device, shape=ACTION),
    adds(_IAM, "get_mfa_device", get_mfa_device),
    replaced_by(_IAM, "generate_credential_report", generate_credential_report, shape=ACTION),
    replaced_by(_IAM, "get_credential_report", get_credential_report, shape=ACTION),
    adds(_IAM, "put_user_permissions_boundary", put_user_permissions_boundary),
    adds(_IAM, "delete_user_permissions_boundary", delete_user_permissions_boundary),
    adds(_IAM, "simulate_principal_policy", simulate_principal_policy),
    adds(_IAM, "change_password", change_password),
    replaces(_IAM, "create_user", create_user_with_boundary, shape=ACTION),
)
