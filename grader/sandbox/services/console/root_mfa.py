"""Root's MFA in the console: assign a virtual MFA device, list and remove them.

As in AWS's console, root (signed in) creates a virtual device, is shown its
QR code and secret once, types two consecutive codes from it, and the device
is root's; removing it deactivates and deletes it. CloudTrail's records are
AWS's: root's `CreateVirtualMFADevice`, then `EnableMFADevice` with
`userName` "AWS ROOT USER" on `arn:aws:iam::<account>:mfa/<name>`; removing
is `DeactivateMFADevice` (then `DeleteVirtualMFADevice`, not recorded
separately here). The model is `grader.sandbox.services.iam.root_mfa`.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from grader.sandbox.services.iam import root_mfa
from grader.sandbox.services.iam.models import root_of

if TYPE_CHECKING:
    from grader.sandbox.services.console import Change, Console

ROOT_USER_NAME = "AWS ROOT USER"  # how CloudTrail names root in MFA events
ACTIONS = ("list", "create", "enable", "remove")


def act(console: Console, payload: dict[str, Any]) -> Change:
    """Do `payload["action"]`: list | create {name?} | enable {code1, code2,
    serialNumber?} | remove {serialNumber?}."""
    from grader.sandbox.services.console import Change

    iam = console.iam
    root = root_of(iam)
    assert root is not None
    action = str(payload.get("action", ""))
    account = iam.account_id
    name = str(payload.get("name") or root_mfa.ROOT_DEVICE_NAME)
    serial = str(payload.get("serialNumber")
                 or f"arn:aws:iam::{account}:mfa/{name}")
    try:
        if action == "list":
            return Change("ListMFADevices", {"mfaDevices": _listed(iam, root)},
                          read_only=True)
        if action == "create":
            made = root_mfa.create(iam, root, name)
            return Change("CreateVirtualMFADevice", {
                "serialNumber": made["SerialNumber"],
                "base32StringSeed": made["Base32StringSeed"],
                "qrCodePng": base64.b64encode(made["QRCodePNG"]).decode(),
            }, parameters={"virtualMFADeviceName": name},
                response={"virtualMFADevice": {"serialNumber": made["SerialNumber"]}})
        if action == "enable":
            root_mfa.enable(iam, root, serial, _code(payload, "code1"), _code(payload, "code2"))
            return Change("EnableMFADevice", {"mfaDevices": _listed(iam, root)},
                          parameters={"userName": ROOT_USER_NAME, "serialNumber": serial},
                          resources=[{"type": "AWS::IAM::MFADevice", "name": serial}])
        if action == "remove":
            root_mfa.remove(iam, root, serial)
            return Change("DeactivateMFADevice", {"mfaDevices": _listed(iam, root)},
                          parameters={"userName": ROOT_USER_NAME, "serialNumber": serial},
                          resources=[{"type": "AWS::IAM::MFADevice", "name": serial}])
    except root_mfa.RootMfaRefused as refused:
        operation = {"create": "CreateVirtualMFADevice", "enable": "EnableMFADevice",
                     "remove": "DeactivateMFADevice"}[action]
        return Change(operation, error=str(refused),
                      parameters={"userName": ROOT_USER_NAME, "serialNumber": serial})
    return Change("ListMFADevices", read_only=True,
                  error=f"Unknown action {action!r}; choose one of {', '.join(ACTIONS)}.")


def _code(payload: dict[str, Any], field: str) -> str | None:
    value = payload.get(field)
    return str(value).strip() if value is not None else None


def _listed(iam: Any, root: Any) -> list[dict[str, str]]:
    return [{"serialNumber": d["SerialNumber"], "enableDate": d["EnableDate"].isoformat()}
            for d in root_mfa.devices(iam, root)]
