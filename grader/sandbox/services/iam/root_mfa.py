"""The root user's MFA: virtual devices root assigns to itself in the console.

AWS lets root enable MFA only in the AWS Management Console (the IAM API's
EnableMFADevice takes a user name, and root is not an IAM user), so the
simulated account offers these through its console (`grader.sandbox.services.console`)
and nowhere else. A root device is an ordinary virtual MFA device of the
account (ListVirtualMFADevices lists it, with root as its user), named
`root-account-mfa-device` unless root names it, checked by the same code as
a user's (`mfa`), and counted by GetAccountSummary's AccountMFAEnabled and the
credential report's `mfa_active` for `<root_account>`. AWS lets root have up
to eight MFA devices (virtual devices and passkeys together).
"""

from __future__ import annotations

from typing import Any

from moto.core.utils import utcnow
from moto.iam.models import IAMBackend, VirtualMfaDevice

from grader.sandbox.clock import machine_time
from grader.sandbox.services.iam import mfa
from grader.sandbox.services.iam.models import RootUser

ROOT_DEVICE_NAME = "root-account-mfa-device"
MAX_ROOT_DEVICES = 8


class RootMfaRefused(Exception):
    """What the console tells root when it cannot do what it asked."""


def count(root: RootUser) -> int:
    return len(root.mfa_serials) + len(getattr(root, "passkeys", ()))


def create(backend: IAMBackend, root: RootUser, name: str | None) -> dict[str, Any]:
    """A new virtual device for root, not yet assigned: its serial number, seed and
    QR code. An unassigned device of the same name (an earlier try, never enabled)
    is replaced, as the console does when root starts over."""
    name = name or ROOT_DEVICE_NAME
    if count(root) >= MAX_ROOT_DEVICES:
        raise RootMfaRefused(f"The root user already has {MAX_ROOT_DEVICES} MFA devices, "
                             "the most AWS allows. Remove one first.")
    serial = f"arn:aws:iam::{backend.account_id}:mfa/{name}"
    existing = backend.virtual_mfa_devices.get(serial)
    if existing is not None:
        if existing.user is not None or serial in root.mfa_serials:
            raise RootMfaRefused(f"An MFA device named {name!r} is in use. "
                                 "Choose another name, or remove it first.")
        del backend.virtual_mfa_devices[serial]
    try:
        return mfa.create(backend, name, "/")
    except Exception as error:  # moto's name rules: shown as the console shows them
        raise RootMfaRefused(str(getattr(error, "message", error))) from None


def enable(backend: IAMBackend, root: RootUser, serial: str, code1: str | None,
           code2: str | None) -> None:
    """Assign `serial` to root with two consecutive codes of now."""
    device = backend.virtual_mfa_devices.get(serial)
    if device is None:
        raise RootMfaRefused(f"No MFA device {serial}: create one first.")
    if device.user is not None or serial in root.mfa_serials:
        raise RootMfaRefused(mfa.IN_USE)
    if count(root) >= MAX_ROOT_DEVICES:
        raise RootMfaRefused(f"The root user already has {MAX_ROOT_DEVICES} MFA devices.")
    try:
        mfa.accept_pair(device, code1, code2, machine_time())
    except mfa.InvalidAuthenticationCode:
        raise RootMfaRefused(mfa.INVALID_CODE) from None
    device.enable_date = utcnow()
    root.mfa_serials.append(serial)


def remove(backend: IAMBackend, root: RootUser, serial: str) -> None:
    """Deactivate root's device `serial` and delete it, as the console's Remove does:
    a virtual device, or a passkey (its `u2f/root/...` serial)."""
    passkey = next((p for p in root.passkeys if p.serial == serial), None)
    if passkey is not None:
        root.passkeys.remove(passkey)
        return
    if serial not in root.mfa_serials:
        raise RootMfaRefused(f"The root user has no MFA device {serial}.")
    root.mfa_serials.remove(serial)
    backend.virtual_mfa_devices.pop(serial, None)


def devices(backend: IAMBackend, root: RootUser) -> list[dict[str, Any]]:
    """Root's MFA devices as ListMFADevices shows them (virtual devices, then passkeys)."""
    found: list[dict[str, Any]] = []
    for serial in root.mfa_serials:
        device: VirtualMfaDevice | None = backend.virtual_mfa_devices.get(serial)
        enabled = device.enable_date if device is not None else None
        found.append({"SerialNumber": serial, "EnableDate": enabled or root.create_date})
    for passkey in getattr(root, "passkeys", ()):
        found.append({"SerialNumber": passkey.serial, "EnableDate": passkey.created})
    return found
