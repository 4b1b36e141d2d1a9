"""`grade authenticator`: a stand-in for a phone's authenticator app.

    grade authenticator add NAME --qr qr.png         the QR code AWS gave (QRCodePNG)
    grade authenticator add NAME --secret SEED       or its Base32 seed (Base32StringSeed)
    grade authenticator add NAME --secret-file FILE  or the file the AWS CLI wrote the seed to
    grade authenticator code NAME [--two] [--json]   the code of now (--two: the previous too)
    grade authenticator list [--json]                names and labels, never the seeds
    grade authenticator remove NAME

A learner without a phone still has to do the MFA exercise: this keeps each
virtual MFA device's seed (RFC 6238 TOTP: the `otpauth://totp/` URI of the QR
code that `aws iam create-virtual-mfa-device` writes) and shows its codes as
an authenticator app would, from this machine's clock (`time.time()`), the
clock the simulated account judges MFA codes by (`grader.sandbox.services.iam.mfa`).
`aws iam enable-mfa-device` takes two consecutive codes: `code --two` gives
the previous step's and the current one's, and `--json` all three
(`previousCode`, `code`, `nextCode`).

The seeds are kept in `GRADE_HOME/authenticator.json`, readable by their
owner only (0600) and always replaced whole (`paths.write_private`: a
temporary file, then a rename), so that a crash leaves the old file or the
new one. A file that is damaged, or is not this one's, is reported and
never overwritten.

This is for the course's simulated account only: on a real AWS account an
MFA seed belongs on a separate device, a real authenticator app or a
security key, not in a file next to the credentials it protects.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp

from grader.command.qr_codes import PNG_SIGNATURE, QR_FIX, qr_text, read_limited
from grader.errors import GradeError
from grader.paths import grade_home, write_private

AUTHENTICATOR_FILE = "authenticator.json"
FILE_FORMAT = "grade authenticator"
FILE_VERSION = 1

STAND_IN = ("grade authenticator stands in for a phone's authenticator app, for the "
            "simulated account only; on a real AWS account, use a real authenticator app or "
            "a security key.")

DIGITS = range(6, 9)  # what RFC 4226 allows a code: 6, 7 or 8 digits
PERIODS = range(1, 3601)  # seconds per step
ALGORITHMS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)  # an IAM MFA device's name
MAX_SECRET = 512  # characters of Base32
MAX_SECRET_FILE_BYTES = 4096


@dataclass(frozen=True)
class Device:
    """One MFA device an authenticator app holds: its seed, how its codes are made, and
    the labels its QR code gave (empty when it was added from its seed)."""

    secret: str  # Base32, upper case, no spaces or padding
    digits: int = 6
    period: int = 30
    algorithm: str = "SHA1"
    issuer: str = ""
    account: str = ""
    added_at: str = ""  # ISO 8601, UTC

    def code(self, step: int) -> str:
        """The code of time step `step` (RFC 6238's T: seconds since 1970 / period)."""
        totp = pyotp.TOTP(self.secret, digits=self.digits, interval=self.period,
                          digest=ALGORITHMS[self.algorithm])
        return str(totp.generate_otp(step))

    def label(self) -> str:
        """What an app shows above the code: "Amazon Web Services: bob@123456789012"."""
        if self.issuer and self.account:
            return f"{self.issuer}: {self.account}"
        return self.issuer or self.account


# -- what a learner gives: a seed, a file with one, or a QR code's PNG --------------------

def base32_secret(text: str) -> str:
    """The seed `text` (spaces, lower case and `=` padding allowed, as apps allow), in
    canonical form, or GradeError when it is not Base32."""
    seed = "".join(text.split()).upper().rstrip("=")
    fix = ("Copy the seed again: AWS's Base32StringSeed is 64 characters, letters A-Z and "
           "digits 2-7.")
    if not seed:
        raise GradeError("The MFA seed is empty.", fix)
    if len(seed) > MAX_SECRET:
        raise GradeError(f"The MFA seed is {len(seed)} characters long; an MFA seed is "
                         f"at most {MAX_SECRET}.", fix)
    wrong = re.search(r"[^A-Z2-7]", seed)
    if wrong:
        raise GradeError(f"The MFA seed is not Base32: it contains {wrong.group()!r} "
                         "(Base32 has only the letters A-Z and the digits 2-7).", fix)
    try:
        base64.b32decode(seed + "=" * (-len(seed) % 8))
    except binascii.Error:
        raise GradeError(f"The MFA seed is not Base32: {len(seed)} characters cannot be "
                         "a whole number of bytes (a character is missing or extra).",
                         fix) from None
    return seed


def _one(params: dict[str, list[str]], key: str) -> str | None:
    values = params.get(key, [])
    if len(values) > 1:
        raise GradeError(f"The QR code's URI gives `{key}` {len(values)} times.", QR_FIX)
    return values[0] if values else None


def _number(params: dict[str, list[str]], key: str, default: int, allowed: range,
            unit: str) -> int:
    given = _one(params, key)
    if given is None:
        return default
    if not (given.isascii() and given.isdigit() and len(given) < 6) or int(given) not in allowed:
        raise GradeError(f"The QR code asks for {key}={given}; grade authenticator makes "
                         f"codes of {allowed.start} to {allowed.stop - 1} {unit}.", QR_FIX)
    return int(given)


def device_from_uri(text: str) -> Device:
    """The device an `otpauth://totp/ISSUER:ACCOUNT?secret=...` URI (Google
    Authenticator's Key URI format, which AWS's QR code holds) describes; GradeError for
    anything else."""
    parts = urlsplit(text.strip())
    if parts.scheme.lower() != "otpauth":
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise GradeError(f"The QR code is not an authenticator app's: it holds {shown!r}, "
                         "not an otpauth://totp/ URI.", QR_FIX)
    if parts.netloc.lower() != "totp":
        kind = f"otpauth://{parts.netloc}/ codes" if parts.netloc else "another kind of codes"
        raise GradeError(f"The QR code is for {kind}; AWS's MFA devices, and grade "
                         "authenticator, use time-based ones (otpauth://totp/).", QR_FIX)
    params = parse_qs(parts.query, keep_blank_values=True)
    secret = _one(params, "secret")
    if secret is None:
        raise GradeError("The QR code's otpauth URI has no secret.", QR_FIX)
    algorithm = (_one(params, "algorithm") or "SHA1").upper()
    if algorithm not in ALGORITHMS:
        raise GradeError(f"The QR code asks for algorithm={algorithm}; grade authenticator "
                         f"knows {', '.join(ALGORITHMS)}.", QR_FIX)
    label = unquote(parts.path.lstrip("/"))
    issuer, colon, account = label.partition(":")
    if not colon:
        issuer, account = "", label
    return Device(secret=base32_secret(secret),
                  digits=_number(params, "digits", 6, DIGITS, "digits"),
                  period=_number(params, "period", 30, PERIODS, "seconds"),
                  algorithm=algorithm, issuer=(_one(params, "issuer") or issuer).strip(),
                  account=account.strip())


def secret_from_file(path: Path) -> str:
    """The seed in the file `aws iam create-virtual-mfa-device --bootstrap-method
    Base32StringSeed --outfile FILE` wrote (its Base32 text)."""
    data = read_limited(path, MAX_SECRET_FILE_BYTES, "a file holding an MFA seed")
    if data.startswith(PNG_SIGNATURE):
        raise GradeError(f"{path} is a PNG image, not a seed.", f"Use --qr {path}.")
    try:
        return base32_secret(data.decode("ascii"))
    except UnicodeDecodeError:
        raise GradeError(f"{path} does not hold an MFA seed (it is not text).",
                         "Give the file that `aws iam create-virtual-mfa-device "
                         "--bootstrap-method Base32StringSeed --outfile FILE` wrote.") from None


# -- the store -------------------------------------------------------------------------

_FIELDS = {  # Device's fields: their names in the file
    "secret": "secret", "digits": "digits", "period": "period", "algorithm": "algorithm",
    "issuer": "issuer", "account": "account", "added_at": "addedAt"}


def store_path() -> Path:
    return grade_home() / AUTHENTICATOR_FILE


def _load(path: Path) -> dict[str, Device]:
    """The devices kept in `path` (none when it does not exist yet); GradeError, the
    file left as it is, when it is damaged or is not grade authenticator's."""
    moved = f"Move it away (`mv {path} {path}.damaged`) to start a new one."
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise GradeError(f"grade authenticator's file {path} cannot be read "
                         f"({error.strerror or error}).", moved) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise GradeError(f"grade authenticator's file {path} is damaged (not JSON text); it has "
                         "not been changed.", moved) from None
    if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
        raise GradeError(f"{path} is not grade authenticator's file; it has not been "
                         "changed.", moved)
    if data.get("version") != FILE_VERSION:
        raise GradeError(f"{path} was written by another version of grade (file version "
                         f"{data.get('version')!r}); it has not been changed.",
                         f"Use the grade that wrote it, or move the file away (`mv {path} "
                         f"{path}.other`) to start a new one.")
    try:
        entries = data["devices"]
        if not isinstance(entries, dict):
            raise TypeError(entries)
        devices = {str(name): _device(name, entry) for name, entry in entries.items()}
    except (KeyError, TypeError, ValueError, GradeError):
        raise GradeError(f"grade authenticator's file {path} is damaged (a device in it "
                         "is not as grade wrote it); it has not been changed.",
                         moved) from None
    return devices


def _device(name: object, entry: object) -> Device:
    if not isinstance(name, str) or not NAME.fullmatch(name) or not isinstance(entry, dict):
        raise ValueError(name)
    device = Device(**{key: entry[field] for key, field in _FIELDS.items()})
    texts = (device.secret, device.algorithm, device.issuer, device.account, device.added_at)
    if (not all(isinstance(text, str) for text in texts)
            or type(device.digits) is not int or device.digits not in DIGITS
            or type(device.period) is not int or device.period not in PERIODS
            or device.algorithm not in ALGORITHMS
            or base32_secret(device.secret) != device.secret):
        raise ValueError(name)
    return device


def _device_entry(device: Device) -> dict[str, Any]:
    return {_FIELDS[key]: value for key, value in asdict(device).items()}


def _save(path: Path, devices: dict[str, Device]) -> None:
    data = {"format": FILE_FORMAT, "version": FILE_VERSION,
            "devices": {name: _device_entry(device)
                        for name, device in sorted(devices.items())}}
    try:
        write_private(path, json.dumps(data, indent=2) + "\n")
    except OSError as error:
        raise GradeError(f"grade authenticator's file {path} could not be written "
                         f"({error.strerror or error}); it has not been changed.",
                         "Check that there is room on the disk and that the folder is "
                         "yours.") from None


def _known(devices: dict[str, Device], name: str) -> Device:
    if name not in devices:
        known = ", ".join(sorted(devices)) or "none yet"
        raise GradeError(f"grade authenticator has no MFA device named {name!r} "
                         f"(it has: {known}).",
                         f"Add it with `grade authenticator add {name} --qr FILE.png`, "
                         "or see `grade authenticator list`.")
    return devices[name]


def _checked_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise GradeError(f"{name!r} cannot name an MFA device here.",
                         "Use up to 64 letters, digits and + = , . @ _ - (as IAM does), "
                         "for example the device's or the user's name.")
    return name


# -- the commands ----------------------------------------------------------------------

def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2))


def add(name: str, *, secret: str | None = None, secret_file: Path | None = None,
        qr: Path | None = None, replace: bool = False, as_json: bool = False) -> int:
    """`grade authenticator add NAME (--secret SEED | --secret-file FILE | --qr FILE.png)`."""
    _checked_name(name)
    path = store_path()
    devices = _load(path)  # a damaged file stops us before anything is read or written
    if name in devices and not replace:
        raise GradeError(f"grade authenticator already has an MFA device named {name!r} "
                         f"(added {devices[name].added_at}).",
                         "Pick another name, or pass --replace to replace it.")
    if qr is not None:
        device = device_from_uri(qr_text(qr))
    elif secret_file is not None:
        device = Device(secret=secret_from_file(secret_file))
    elif secret is not None:
        device = Device(secret=base32_secret(secret))
    else:
        raise GradeError("No seed given.", "Pass --qr FILE.png, --secret SEED or "
                         "--secret-file FILE.")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    device = dataclasses.replace(device, added_at=now.isoformat().replace("+00:00", "Z"))
    replaced = name in devices
    devices[name] = device
    _save(path, devices)
    if as_json:
        _print_json({"added": name, "replaced": replaced, "issuer": device.issuer,
                     "account": device.account, "addedAt": device.added_at,
                     "note": STAND_IN})
        return 0
    label = f" ({device.label()})" if device.label() else ""
    print(f"{'Replaced' if replaced else 'Added'} {name}{label}. Its code: "
          f"`grade authenticator code {name}` (with --two: two consecutive codes, for "
          "`aws iam enable-mfa-device`).")
    print(f"Note: {STAND_IN}")
    return 0


# Fewer seconds than this left on a code: a person could not type it (and the AWS CLI
# send it) in time, so `code` waits for the next one, as the course's texts advise.
WAIT_BELOW = 5
# The clock the codes come from, and how `code` waits: this machine's (tests replace them).
_clock = time.time
_sleep = time.sleep


def code(name: str, *, two: bool = False, as_json: bool = False) -> int:
    """`grade authenticator code NAME [--two] [--json]`: the code of now, from this
    machine's clock, and how long it stays valid. With fewer than `WAIT_BELOW` seconds
    left, it first waits for the next code (not with `--json`: a script decides, from
    `validForSeconds`)."""
    device = _known(_load(store_path()), name)
    now = _clock()
    step = int(now // device.period)
    valid_for = math.ceil((step + 1) * device.period - now)
    if valid_for < WAIT_BELOW and not as_json:
        print(f"The code of now has {valid_for} {_seconds(valid_for)} left, too few to type "
              f"it: waiting for the next one...", file=sys.stderr, flush=True)
        _sleep((step + 1) * device.period - now)
        now = _clock()
        step = int(now // device.period)
        valid_for = math.ceil((step + 1) * device.period - now)
    previous, current, following = (device.code(step + d) for d in (-1, 0, 1))
    seconds = _seconds(valid_for)
    if as_json:
        _print_json({"name": name, "code": current, "validForSeconds": valid_for,
                     "nextCode": following, "previousCode": previous})
    elif two:
        print(f"{previous} {current}  (two consecutive codes, for `aws iam enable-mfa-device "
              f"--authentication-code1 {previous} --authentication-code2 {current}`; the "
              f"second valid for {valid_for} more {seconds})")
    else:
        print(f"{current}  (valid for {valid_for} more {seconds}; AWS accepts a code once: "
              f"for another sign-in, wait for the next code)")
    return 0


def _seconds(count: int) -> str:
    return "second" if count == 1 else "seconds"


def list_devices(*, as_json: bool = False) -> int:
    """`grade authenticator list [--json]`: names, labels and when added; no seed."""
    devices = _load(store_path())
    if as_json:
        _print_json({"devices": [{"name": name, "issuer": device.issuer,
                                  "account": device.account, "addedAt": device.added_at}
                                 for name, device in sorted(devices.items())],
                     "note": STAND_IN})
        return 0
    if not devices:
        print("grade authenticator has no MFA devices yet: "
              "`grade authenticator add NAME --qr FILE.png` adds one.")
    width = max((len(name) for name in devices), default=0)
    for name, device in sorted(devices.items()):
        label = device.label() or "(added from its seed)"
        print(f"{name:<{width}}  {label}  added {device.added_at}")
    print(f"Note: {STAND_IN}")
    return 0


def remove(name: str, *, as_json: bool = False) -> int:
    """`grade authenticator remove NAME`: forget a device's seed."""
    path = store_path()
    devices = _load(path)
    _known(devices, name)
    del devices[name]
    _save(path, devices)
    if as_json:
        _print_json({"removed": name})
    else:
        print(f"Removed {name}: its codes are gone. If it is still enabled for a user, "
              "deactivate it (`aws iam deactivate-mfa-device`).")
    return 0

