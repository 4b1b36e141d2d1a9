"""Access-key operations that act on the caller's own keys, as AWS documents.

When ListAccessKeys, CreateAccessKey, UpdateAccessKey or DeleteAccessKey is
called without a user name, AWS acts on the keys of whoever signed the
request: the root user's own keys when root calls (root may even delete the
key it signs with), the calling IAM user's keys otherwise. moto looks the
key up among every user's keys instead and knows no root; these methods
replace moto's on `IamResponse` (see `install`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.iam.exceptions import NotFoundException
from moto.iam.responses import IamResponse

from grader.sandbox.root.credential_report import credential_report
from grader.sandbox.root.models import (
    RootUser,
    create_root_key,
    delete_root_key,
    root_for_key,
)


def _not_found(access_key_id: str) -> NotFoundException:
    return NotFoundException(f"The Access Key with id {access_key_id} cannot be found")


def _caller_user_name(self: IamResponse) -> str:
    """The IAM user who signed this request (NoSuchEntity if none)."""
    caller_key = self.get_access_key()
    user = self.backend.get_user_from_access_key_id(caller_key)
    if user is None:
        raise NotFoundException(f"The user with access key {caller_key} cannot be found")
    return str(user.name)


def list_access_keys(self: IamResponse) -> ActionResult:
    user_name = self._get_param("UserName")
    if not user_name:
        root = root_for_key(self.backend, self.get_access_key())
        if root is not None:
            return ActionResult({"AccessKeyMetadata": list(root.access_keys)})
        user_name = _caller_user_name(self)
    keys = self.backend.list_access_keys(user_name)
    return ActionResult({"UserName": user_name, "AccessKeyMetadata": keys})


def create_access_key(self: IamResponse) -> ActionResult:
    user_name = self._get_param("UserName")
    if not user_name:
        root = root_for_key(self.backend, self.get_access_key())
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
        root = root_for_key(self.backend, self.get_access_key())
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
        root = root_for_key(self.backend, self.get_access_key())
        if root is not None:
            return ActionResult({"MFADevices": [], "IsTruncated": False})
        user_name = _caller_user_name(self)
    devices = self.backend.list_mfa_devices(user_name)
    return ActionResult({"MFADevices": [
        {"UserName": user_name, "SerialNumber": d.serial_number, "EnableDate": d.enable_date}
        for d in devices], "IsTruncated": False})


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


PATCHES = {
    "list_access_keys": list_access_keys,
    "create_access_key": create_access_key,
    "update_access_key": update_access_key,
    "delete_access_key": delete_access_key,
    "get_access_key_last_used": get_access_key_last_used,
    "list_mfa_devices": list_mfa_devices,
    "generate_credential_report": generate_credential_report,
    "get_credential_report": get_credential_report,
}
