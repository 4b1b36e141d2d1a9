"""Virtual MFA devices as AWS has them, and the check of their codes.

Kept apart from `models` for its size, as `password_policy` is: this is where
the simulated account checks MFA codes, for IAM (EnableMFADevice,
ResyncMFADevice) and for STS (GetSessionToken and AssumeRole with
`SerialNumber` and `TokenCode`, `grader.sandbox.services.sts`). moto 5.2.5 keeps the
devices (`IAMBackend.virtual_mfa_devices`, a user's `mfa_devices`) but
accepts any codes, returns random bytes for the QR code and lists every
device's seed again; here, as on AWS:

- CreateVirtualMFADevice returns the device's secret twice, once only: as
  `Base32StringSeed`, its Base32 text (64 characters, from moto's seeded
  random, so that replaying the record gives the same secret), and as
  `QRCodePNG`, a PNG of a QR code (made by `segno`) for an authenticator app:
  ``otpauth://totp/Amazon%20Web%20Services:DEVICE@ACCOUNT?secret=SEED&issuer=Amazon%20Web%20Services``,
  where DEVICE is the device's name and ACCOUNT the account's alias, or its
  id when it has none. Both are blobs: base64 on the wire, bytes in boto3, a
  file with the AWS CLI's ``--outfile``. ListVirtualMFADevices shows serial
  numbers, users and enable dates, never a seed or a QR code.
- a code is RFC 6238's TOTP: HMAC-SHA1, 6 digits, 30-second steps (what
  authenticator apps compute), judged at the moment the request was made by
  the machine's clock, the one the learner's phone or `grade authenticator`
  keeps (`clock.machine_time`; `grade sandbox advance` moves the account's
  time, not the codes');
- a code may be one step early or late (`TOLERANCE`): a phone's clock is
  rarely exact and a code is typed after it is shown. AWS does not publish
  its own tolerance; RFC 6238 section 6 recommends "a small number" of steps;
- a code once accepted is never accepted again, nor any older one (RFC 6238
  section 5.2): each device remembers the last step it accepted (a request
  refused for another reason, an AssumeRole that the role's trust policy
  refuses, leaves its code unused);
- EnableMFADevice and ResyncMFADevice take two consecutive codes, the later
  one within the tolerance of now; anything else is AWS's
  ``InvalidAuthenticationCode`` (HTTP 403), "Authentication code for device
  is not valid.";
- a device is one user's: enabling one already in use is
  ``EntityAlreadyExists`` "MFA Device is already in use."; deleting one still
  assigned is ``DeleteConflict`` "MFA VirtualDevice in use. Must deactivate
  first."; deleting a user who still has one is ``DeleteConflict`` "Cannot
  delete entity, must delete MFA device first.".

A request replayed from the record is not judged again (`REPLAYING`): its
codes were accepted when it was made, and so was what an older version of the
simulated account let through (a device enabled for a second user, deleted
while in use). Its codes still count as used, so that the account comes back
knowing which codes it has seen.

Sources: the IAM API Reference (CreateVirtualMFADevice, EnableMFADevice,
ResyncMFADevice, DeleteVirtualMFADevice, ListVirtualMFADevices) and botocore's
model of IAM (BootstrapDatum is a blob; InvalidAuthenticationCode is HTTP
403); AWS's answers recorded by LocalStack's AWS-validated snapshots
(tests/aws/services/iam/test_iam_mfa.snapshot.json: "MFA device already
exists.", "MFA Device with serial number ARN does not exist.", "MFA Device is
already in use.", what ListVirtualMFADevices shows); the QR code's text as
decoded by AWS's users from AWS's own PNG (`zbarimg`, and authenticator
apps' exports: "Amazon Web Services:NAME@ALIAS"); learners' and IAM clones'
reports of AWS's messages for wrong codes and for deleting a device in use.
"""

from __future__ import annotations

import datetime as dt
import hmac
import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import pyotp
import segno
from moto.iam.exceptions import (
    DeleteConflictException,
    EntityAlreadyExists,
    IAMException,
    NotFoundException,
    ValidationError,
)
from moto.iam.models import IAMBackend, User, VirtualMfaDevice

from grader.sandbox.clock import machine_time
from grader.sandbox.history.record import REPLAYING
from grader.sandbox.services.iam.models import RootUser

ISSUER = "Amazon Web Services"
STEP_SECONDS = 30
TOLERANCE = 1  # steps either side of now
QR_SCALE = 6  # pixels per module: large enough to scan from a screen

INVALID_CODE = "Authentication code for device is not valid."
IN_USE = "MFA Device is already in use."
STILL_ASSIGNED = "MFA VirtualDevice in use. Must deactivate first."
ALREADY_EXISTS = "MFA device already exists."
USER_HAS_DEVICE = "Cannot delete entity, must delete MFA device first."
INVALID_MARKER = "Invalid Marker."


class InvalidAuthenticationCode(IAMException):
    """AWS's refusal of MFA codes that are not right now (HTTP 403, from IAM's model)."""

    code = "InvalidAuthenticationCode"
    message = INVALID_CODE


class CodeRefused(Exception):
    """An MFA code that does not authenticate its caller: `device` when the serial
    number is none of the caller's devices, `code` when the code is not right now."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def no_such_device(serial: str) -> NotFoundException:
    return NotFoundException(f"MFA Device with serial number {serial} does not exist.")


# -- the device and its QR code ----------------------------------------------------

def account_label(backend: IAMBackend) -> str:
    """How the QR code names the account: its alias, or its id when it has none."""
    aliases: list[str] = list(getattr(backend, "account_aliases", []) or [])
    return aliases[0] if aliases else str(backend.account_id)


def otpauth_uri(name: str, account: str, seed: str) -> str:
    """The text of AWS's QR code (Google Authenticator's Key URI format)."""
    issuer = quote(ISSUER)
    label = quote(f"{name}@{account}", safe="@._-=,")
    return f"otpauth://totp/{issuer}:{label}?secret={seed}&issuer={issuer}"


def qr_png(text: str) -> bytes:
    """A PNG of the QR code of `text` (black on white, with its quiet zone)."""
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=QR_SCALE, border=4)
    return out.getvalue()


def create(backend: IAMBackend, name: str, path: str | None) -> dict[str, Any]:
    """CreateVirtualMFADevice: moto's device (its seed from the seeded random), and
    AWS's answer: the serial number, the seed and the QR code, this once."""
    try:
        device = backend.create_virtual_mfa_device(name, path or "/")
    except EntityAlreadyExists:
        raise EntityAlreadyExists(ALREADY_EXISTS) from None
    seed = str(device.base32_string_seed)
    png = qr_png(otpauth_uri(name, account_label(backend), seed))
    device.qr_code_png = b""  # moto's were random bytes; AWS never shows the code again
    return {"SerialNumber": device.serial_number, "Base32StringSeed": seed, "QRCodePNG": png}


def delete(backend: IAMBackend, serial: str) -> None:
    """DeleteVirtualMFADevice: only a device no one uses."""
    device = backend.virtual_mfa_devices.get(serial)
    if device is None:
        raise no_such_device(serial)
    if (device.user is not None or _root_uses(backend, serial)) and not REPLAYING.get():
        raise DeleteConflictException(STILL_ASSIGNED)
    del backend.virtual_mfa_devices[serial]


def _root_uses(backend: IAMBackend, serial: str) -> bool:
    root = getattr(backend, "root", None)
    return isinstance(root, RootUser) and serial in root.mfa_serials


def listed(backend: IAMBackend, status: str, marker: str | None,
           max_items: int) -> tuple[list[dict[str, Any]], str | None]:
    """ListVirtualMFADevices: one page of devices in `status` (Assigned, Unassigned,
    Any), by serial number, as AWS lists them (no seed, no QR code); and the marker
    of the next page (None on the last)."""
    devices = sorted(backend.virtual_mfa_devices.values(), key=lambda d: d.serial_number)
    if status == "Assigned":
        devices = [d for d in devices if _assigned(backend, d)]
    elif status == "Unassigned":
        devices = [d for d in devices if not _assigned(backend, d)]
    start = 0
    if marker is not None:
        if not marker.isdigit() or int(marker) > len(devices):
            raise ValidationError(INVALID_MARKER)
        start = int(marker)
    page = devices[start:start + max_items]
    following = start + max_items
    return [_entry(backend, d) for d in page], str(following) if following < len(devices) else None


def _assigned(backend: IAMBackend, device: VirtualMfaDevice) -> bool:
    return device.user is not None or _root_uses(backend, device.serial_number)


def _entry(backend: IAMBackend, device: VirtualMfaDevice) -> dict[str, Any]:
    entry: dict[str, Any] = {"SerialNumber": device.serial_number}
    user = device.user
    root: Any = getattr(backend, "root", None)
    if user is None and _root_uses(backend, device.serial_number):
        entry["User"] = {"UserId": root.account_id, "Arn": root.arn,
                         "CreateDate": root.create_date}
        if root.password_last_used is not None:
            entry["User"]["PasswordLastUsed"] = root.password_last_used
        entry["EnableDate"] = device.enable_date
    elif user is not None:
        entry["User"] = {"Path": user.path, "UserName": user.name, "UserId": user.id,
                         "Arn": user.arn, "CreateDate": user.create_date}
        entry["EnableDate"] = device.enable_date
    return entry


# -- codes ---------------------------------------------------------------------------

def step_at(moment: dt.datetime) -> int:
    """The TOTP time step of `moment` (RFC 6238's T: seconds since 1970 / 30)."""
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(seed: str, step: int) -> str:
    """The 6-digit code an authenticator app shows for `seed` during `step`."""
    return str(pyotp.TOTP(seed, interval=STEP_SECONDS).generate_otp(step))


def _last_step(device: VirtualMfaDevice) -> int:
    """The latest step whose code the device accepted (-1: none yet)."""
    return int(getattr(device, "last_step", -1))


def _steps_near(moment: dt.datetime) -> Iterable[int]:
    now = step_at(moment)
    return [now, *(s for d in range(1, TOLERANCE + 1) for s in (now - d, now + d))]


def _is(seed: str, step: int, code: str | None) -> bool:
    return code is not None and hmac.compare_digest(code_at(seed, step), str(code))


def accept_pair(device: VirtualMfaDevice, code1: str | None, code2: str | None,
                moment: dt.datetime) -> None:
    """Accept two consecutive codes of `device` at `moment` (the later one within the
    tolerance of now, both newer than any code accepted before), or refuse them with
    InvalidAuthenticationCode. Replayed requests are not judged again."""
    seed = str(device.base32_string_seed)
    after = _last_step(device)
    for step in _steps_near(moment):
        if step - 1 > after and _is(seed, step - 1, code1) and _is(seed, step, code2):
            device.last_step = step  # type: ignore[attr-defined]
            return
    if not REPLAYING.get():
        raise InvalidAuthenticationCode()


class Accepted:
    """A code that authenticates its caller, not yet used."""

    def __init__(self, device: VirtualMfaDevice, step: int) -> None:
        self.device = device
        self.step = step

    def use(self) -> None:
        """The code, and every older one, will not be accepted again."""
        if self.step > _last_step(self.device):
            self.device.last_step = self.step  # type: ignore[attr-defined]


def accept_code(device: VirtualMfaDevice, code: str | None,
                moment: dt.datetime) -> Accepted | None:
    """The step of `code`, one of `device`'s codes near `moment` that is newer than any
    it accepted, or CodeRefused("code"). The code is used once `Accepted.use()` is
    called: when the request it signs succeeds. (None: a replayed request whose code
    does not match, which is not judged again.)"""
    seed = str(device.base32_string_seed)
    after = _last_step(device)
    for step in _steps_near(moment):
        if step > after and _is(seed, step, code):
            return Accepted(device, step)
    if not REPLAYING.get():
        raise CodeRefused("code")
    return None


def authenticate(backend: IAMBackend, owner: User | RootUser | None, serial: str | None,
                 code: str | None, moment: dt.datetime) -> Accepted | None:
    """Check that `serial` is one of `owner`'s MFA devices (an IAM user's, or root's)
    and that `code` is its code now: CodeRefused("device") or CodeRefused("code")
    otherwise. `owner` None: the caller has no MFA devices of its own (a role)."""
    if owner is None or not serial:
        if REPLAYING.get():
            return None
        raise CodeRefused("device")
    serials = owner.mfa_serials if isinstance(owner, RootUser) else owner.mfa_devices
    device = backend.virtual_mfa_devices.get(serial)
    if serial not in serials or device is None:
        if REPLAYING.get():
            return None
        raise CodeRefused("device")
    return accept_code(device, code, moment)


# -- a user's devices -----------------------------------------------------------------

def enable(backend: IAMBackend, user_name: str, serial: str,
           code1: str | None, code2: str | None) -> None:
    """EnableMFADevice: a virtual device of this account, used by no one, with two
    consecutive codes of now. moto then keeps it on the user, enabled now."""
    backend.get_user(user_name)  # NoSuchEntity first
    device = backend.virtual_mfa_devices.get(serial)
    if not REPLAYING.get():
        if device is None:
            raise no_such_device(serial)
        if device.user is not None or _root_uses(backend, serial):
            raise EntityAlreadyExists(IN_USE)
    if device is not None:
        accept_pair(device, code1, code2, machine_time())
    backend.enable_mfa_device(user_name, serial, str(code1), str(code2))


def users_device(backend: IAMBackend, user_name: str, serial: str) -> VirtualMfaDevice:
    """The virtual device `serial` that `user_name` uses (NoSuchEntity otherwise)."""
    user = backend.get_user(user_name)
    device = backend.virtual_mfa_devices.get(serial)
    if serial not in user.mfa_devices or device is None:
        raise no_such_device(serial)
    return device


def resync(backend: IAMBackend, user_name: str, serial: str, code1: str | None,
           code2: str | None) -> None:
    """ResyncMFADevice: two consecutive codes of now from one of the user's devices.

    A phone's clock that drifts is not modelled: the account's own clock and the
    learner's are the same machine's, so resynchronising only checks the codes."""
    accept_pair(users_device(backend, user_name, serial), code1, code2,
                machine_time())


def deactivate(backend: IAMBackend, user_name: str, serial: str) -> None:
    """DeactivateMFADevice: the device leaves the user, and can be deleted or used again."""
    user = backend.get_user(user_name)
    if serial not in user.mfa_devices:
        raise no_such_device(serial)
    backend.deactivate_mfa_device(user_name, serial)


def refuse_deleting_user_with_device(backend: IAMBackend, user_name: str) -> None:
    """DeleteUser: a user who still has an MFA device is not deleted."""
    if backend.get_user(user_name).mfa_devices and not REPLAYING.get():
        raise DeleteConflictException(USER_HAS_DEVICE)


def described(backend: IAMBackend, user_name: str, serial: str) -> dict[str, Any]:
    """GetMFADevice: one of the user's devices. (AWS documents it for FIDO security
    keys; the simulated account has only virtual devices, and describes those.)"""
    user = backend.get_user(user_name)
    device = user.mfa_devices.get(serial)
    if device is None:
        raise no_such_device(serial)
    return {"UserName": user.name, "SerialNumber": serial, "EnableDate": device.enable_date}
