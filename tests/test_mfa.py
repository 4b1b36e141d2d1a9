"""MFA as AWS has it: virtual MFA devices with a real seed and QR code, enabled with two
consecutive codes of now (RFC 6238: what a phone's authenticator app shows); sessions
from GetSessionToken, with MFA or without, that work with the AWS CLI and boto3, carry
the MFA context into policies, expire, and are recorded as AWS records them; AssumeRole
with an MFA code; all of it rebuilt the same from the record.

Codes are computed as an authenticator app computes them (`pyotp`, `Phone`) on this
machine's clock, which `grade sandbox advance` does not move. No test waits for time
to pass: old sessions are made by editing a stopped account's record, as
tests/test_role_sessions.py does.
Attacks are sent as raw HTTP (`tests.front_desk`).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pyotp
import pytest
from botocore.exceptions import ClientError

from grader.sandbox.history.record import RECORD_FILE
from tests.conftest import Course, client
from tests.front_desk import grader_env
from tests.test_policy_evaluation import FORCE_MFA
from tests.test_role_sessions import (
    ADMIN,
    Keys,
    account_id,
    error,
    field,
    lookup,
    not_authorized,
    role,
    root_keys,
    trust,
    user,
)

ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
                                               "Resource": "*"}]}
INVALID_CODE = ("InvalidAuthenticationCode", "Authentication code for device is not valid.")
WRONG_CODE = ("AccessDenied",
              "MultiFactorAuthentication failed with invalid MFA one time pass code.")
UNKNOWN_DEVICE = ("AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA "
                  "code.  Please verify your MFA serial number is valid and associated with "
                  "this user.")
EXPIRED = "The security token included in the request is expired"


# -- helpers -------------------------------------------------------------------

class Phone:
    """An authenticator app holding one device's seed: the code of each 30-second step.

    `pair` gives the two codes to enable the device with (the previous step's and the
    current one's); `code` the next code never given before, which is the current
    step's or the next one's (the account takes a code one step early or late). A
    step that ends while a request is on its way leaves both still acceptable."""

    def __init__(self, seed: str | bytes) -> None:
        self.seed = seed.decode() if isinstance(seed, bytes) else seed
        self.totp = pyotp.TOTP(self.seed)
        self.used = -1

    @staticmethod
    def step() -> int:
        return int(time.time() // 30)

    def at(self, step: int) -> str:
        return str(self.totp.generate_otp(step))

    def pair(self) -> tuple[str, str]:
        now = self.step()
        self.used = now
        return self.at(now - 1), self.at(now)

    def code(self) -> str:
        now = self.step()
        step = max(now, self.used + 1)
        assert step <= now + 1, "this phone has no fresh code before the next step"
        self.used = step
        return self.at(step)


def wrong(code: str) -> str:
    """Another six digits."""
    return f"{(int(code) + 500_001) % 1_000_000:06d}"


def env_of(course: Course, key: str, secret: str, token: str | None = None) -> dict[str, str]:
    env = course.sandbox_env() | {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret}
    if token is not None:
        env["AWS_SESSION_TOKEN"] = token
    return env


def boto(env: dict[str, str], service: str) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=env["AWS_ENDPOINT_URL"],
                        region_name=env["AWS_DEFAULT_REGION"],
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=env.get("AWS_SESSION_TOKEN"))


def refusal(error_info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    found = error_info.value.response["Error"]
    return str(found["Code"]), str(found["Message"])


def qr_text(image: bytes) -> str:
    """What a phone's camera reads in a PNG image of a QR code."""
    import png
    import zxingcpp

    width, height, rows, info = png.Reader(bytes=image).asDirect()
    top = 2 ** info["bitdepth"] - 1
    planes = info["planes"]
    pixels = bytes(round(row[i] * 255 / top) for row in rows
                   for i in range(0, len(row), planes))
    found = zxingcpp.read_barcode(
        zxingcpp.ImageView(pixels, width, height, zxingcpp.ImageFormat.Lum))
    assert found is not None and found.format == zxingcpp.BarcodeFormat.QRCode
    return str(found.text)


def uri(name: str, account: str, seed: str) -> str:
    return (f"otpauth://totp/Amazon%20Web%20Services:{name}@{account}?secret={seed}"
            "&issuer=Amazon%20Web%20Services")


def device(course: Course, name: str, **extra: str) -> tuple[str, Phone]:
    """A virtual MFA device made by root: its serial number and a phone that holds it."""
    made = client(course.sandbox_env(), "iam").create_virtual_mfa_device(
        VirtualMFADeviceName=name, **extra)["VirtualMFADevice"]
    return str(made["SerialNumber"]), Phone(made["Base32StringSeed"])


def with_mfa(course: Course, name: str, policy: dict[str, Any] | None = ALL
             ) -> tuple[Keys, str, Phone]:
    """An IAM user with a key (and this inline policy) whose MFA device root enabled."""
    keys = user(course, name, policy)
    serial, phone = device(course, f"{name}-phone")
    first, second = phone.pair()
    client(course.sandbox_env(), "iam").enable_mfa_device(
        UserName=name, SerialNumber=serial, AuthenticationCode1=first,
        AuthenticationCode2=second)
    return keys, serial, phone


def session(keys: Keys, **params: str) -> Keys:
    """The credentials of a GetSessionToken made with `keys` (raw HTTP)."""
    status, answer = keys.call("sts", "GetSessionToken", **params)
    assert status == 200, answer
    return Keys(keys.endpoint, field(answer, "AccessKeyId"), field(answer, "SecretAccessKey"),
                field(answer, "SessionToken"))


def expiration(answer: str) -> dt.datetime:
    return dt.datetime.fromisoformat(field(answer, "Expiration").replace("Z", "+00:00"))


def move_back(course: Course, operation: str, by: dt.timedelta, which: int = -1) -> None:
    """Make the stopped account's record say that the `which`th accepted `operation`
    happened `by` earlier: the account rebuilt from it then holds what that call made,
    made that much earlier."""
    db = sqlite3.connect(course.home / "sandbox" / RECORD_FILE)
    with db:
        rows = db.execute("SELECT seq, event_time FROM events WHERE operation=? AND "
                          "status=200 ORDER BY seq", (operation,)).fetchall()
        seq, made = rows[which]
        earlier = dt.datetime.fromisoformat(made) - by
        db.execute("UPDATE events SET event_time=? WHERE seq=?", (earlier.isoformat(), seq))
    db.close()


def restart(course: Course) -> None:
    assert course.grade("sandbox", "stop").returncode == 0
    started = course.grade("sandbox", "start")
    assert started.returncode == 0, started.stderr


# -- virtual MFA devices ---------------------------------------------------------------

def test_a_new_device_shows_its_seed_and_qr_code_once(fresh: Course, tmp_path: Path) -> None:
    """The AWS CLI writes the QR code and the seed to files, as the IAM User Guide has
    learners do; the PNG is a QR code of AWS's otpauth URI, naming the account by its
    alias once it has one. On the wire both are base64 (they are blobs)."""
    account = account_id(fresh)
    png_file, seed_file = tmp_path / "qr.png", tmp_path / "seed.txt"
    made = fresh.run(["aws", "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name",
                      "learner-phone", "--outfile", str(png_file), "--bootstrap-method",
                      "QRCodePNG"])
    assert made.returncode == 0, made.stderr
    serial = json.loads(made.stdout)["VirtualMFADevice"]["SerialNumber"]
    assert serial == f"arn:aws:iam::{account}:mfa/learner-phone"
    assert png_file.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    text = qr_text(png_file.read_bytes())
    seed = text.split("secret=")[1].split("&")[0]
    assert text == uri("learner-phone", account, seed)
    assert len(seed) == 64 and len(base64.b32decode(seed)) == 40
    made = fresh.run(["aws", "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name",
                      "spare", "--path", "/team/", "--outfile", str(seed_file),
                      "--bootstrap-method", "Base32StringSeed"])
    assert made.returncode == 0, made.stderr
    spare_seed = seed_file.read_text()
    assert len(base64.b32decode(spare_seed)) == 40 and spare_seed != seed
    assert json.loads(made.stdout)["VirtualMFADevice"]["SerialNumber"] == \
        f"arn:aws:iam::{account}:mfa/team/spare"
    # On the wire (raw HTTP): blobs in base64, the seed's text and the PNG's bytes.
    client(fresh.sandbox_env(), "iam").create_account_alias(AccountAlias="learners-lab")
    status, answer = root_keys(fresh).call("iam", "CreateVirtualMFADevice",
                                           VirtualMFADeviceName="travel")
    assert status == 200, answer
    wire_seed = base64.b64decode(field(answer, "Base32StringSeed")).decode()
    assert qr_text(base64.b64decode(field(answer, "QRCodePNG"))) == \
        uri("travel", "learners-lab", wire_seed)
    # Never again: not listed, not in the record of the call.
    listed = client(fresh.sandbox_env(), "iam").list_virtual_mfa_devices()
    assert sorted(d["SerialNumber"] for d in listed["VirtualMFADevices"]) == sorted([
        serial, f"arn:aws:iam::{account}:mfa/team/spare", f"arn:aws:iam::{account}:mfa/travel"])
    assert all(set(d) == {"SerialNumber"} for d in listed["VirtualMFADevices"])
    for secret in (seed, spare_seed, wire_seed):
        assert secret not in json.dumps(lookup(fresh, EventName="CreateVirtualMFADevice"),
                                        default=str)
    status, answer = root_keys(fresh).call("iam", "CreateVirtualMFADevice",
                                           VirtualMFADeviceName="travel")
    assert (status, error(answer)) == (409, ("EntityAlreadyExists",
                                             "MFA device already exists."))


def test_only_two_consecutive_codes_of_now_enable_a_device(fresh: Course) -> None:
    account = account_id(fresh)
    user(fresh, "bob")
    serial, phone = device(fresh, "bob-phone")
    root = root_keys(fresh)

    def enable(first: str, second: str, name: str = "bob") -> tuple[int, str]:
        return root.call("iam", "EnableMFADevice", UserName=name, SerialNumber=serial,
                         AuthenticationCode1=first, AuthenticationCode2=second)

    now = phone.step()
    other = Phone(pyotp.random_base32(64))
    refused = [
        (other.at(now - 1), other.at(now)),  # another device's codes
        (phone.at(now - 4), phone.at(now - 3)),  # codes of two minutes ago
        (phone.at(now), phone.at(now - 1)),  # the right codes, in the wrong order
        (phone.at(now), phone.at(now)),  # one code twice
        (phone.at(now - 1), wrong(phone.at(now))),
    ]
    for first, second in refused:
        status, answer = enable(first, second)
        assert (status, error(answer)) == (403, INVALID_CODE), (first, second)
    iam = client(fresh.sandbox_env(), "iam")
    assert iam.list_mfa_devices(UserName="bob")["MFADevices"] == []
    assert enable(*phone.pair())[0] == 200
    [enabled] = iam.list_mfa_devices(UserName="bob")["MFADevices"]
    assert enabled["SerialNumber"] == serial and enabled["UserName"] == "bob"
    assert abs(enabled["EnableDate"] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    # One device, one user; a device that does not exist; a user that does not exist.
    user(fresh, "carol")
    status, answer = enable(phone.at(now + 1), phone.at(now + 2), "carol")
    assert (status, error(answer)) == (409, ("EntityAlreadyExists",
                                             "MFA Device is already in use."))
    status, answer = root.call("iam", "EnableMFADevice", UserName="carol",
                               SerialNumber=f"arn:aws:iam::{account}:mfa/nothing",
                               AuthenticationCode1="123456", AuthenticationCode2="654321")
    assert (status, error(answer)) == (404, (
        "NoSuchEntity", f"MFA Device with serial number arn:aws:iam::{account}:mfa/nothing "
                        "does not exist."))
    status, answer = enable("123456", "654321", "nobody")
    assert (status, error(answer)) == (404, ("NoSuchEntity",
                                             "The user with name nobody cannot be found."))
    # Resync takes two new consecutive codes of the same device, and no used one.
    status, answer = root.call("iam", "ResyncMFADevice", UserName="bob", SerialNumber=serial,
                               AuthenticationCode1=phone.at(phone.used - 1),
                               AuthenticationCode2=phone.at(phone.used))
    assert (status, error(answer)) == (403, INVALID_CODE)
    # Carol's device, enabled with the oldest pair it takes (its later code one step
    # late: a step that ends on the way makes it too old, and carol tries again), is
    # then resynced with the current step's code and the next one's, once.
    carols, carol_phone = device(fresh, "carol-phone")
    for _attempt in range(2):
        now = carol_phone.step()
        status, answer = root.call("iam", "EnableMFADevice", UserName="carol",
                                   SerialNumber=carols,
                                   AuthenticationCode1=carol_phone.at(now - 2),
                                   AuthenticationCode2=carol_phone.at(now - 1))
        if status == 200:
            break
    assert status == 200, answer
    for expected in (200, 403):
        status, answer = root.call("iam", "ResyncMFADevice", UserName="carol",
                                   SerialNumber=carols, AuthenticationCode1=carol_phone.at(now),
                                   AuthenticationCode2=carol_phone.at(now + 1))
        assert status == expected, answer
    assert error(answer) == INVALID_CODE
    assert iam.get_mfa_device(UserName="carol", SerialNumber=carols)["SerialNumber"] == carols
    # What the account reports: bob's and carol's MFA is active, two devices in use.
    iam.generate_credential_report()
    report = iam.get_credential_report()["Content"].decode()
    rows = {row["user"]: row for row in csv.DictReader(io.StringIO(report))}
    assert rows["bob"]["mfa_active"] == "true" and rows["carol"]["mfa_active"] == "true"
    assert rows["<root_account>"]["mfa_active"] == "false"
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["MFADevicesInUse"], summary["MFADevices"], summary["AccountMFAEnabled"]) \
        == (2, 2, 0)
    iam.deactivate_mfa_device(UserName="carol", SerialNumber=carols)
    iam.generate_credential_report()
    report = iam.get_credential_report()["Content"].decode()
    rows = {row["user"]: row for row in csv.DictReader(io.StringIO(report))}
    assert rows["carol"]["mfa_active"] == "false"
    assert iam.get_account_summary()["SummaryMap"]["MFADevicesInUse"] == 1


def test_a_device_in_use_is_deactivated_before_it_is_deleted(fresh: Course) -> None:
    bob, serial, _ = with_mfa(fresh, "bob")
    iam = client(fresh.sandbox_env(), "iam")
    with pytest.raises(ClientError) as refused:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert refusal(refused) == ("DeleteConflict", "MFA VirtualDevice in use. Must deactivate "
                                                  "first.")
    iam.delete_access_key(UserName="bob", AccessKeyId=bob.key)
    iam.delete_user_policy(UserName="bob", PolicyName="own")
    with pytest.raises(ClientError) as refused:
        iam.delete_user(UserName="bob")
    assert refusal(refused) == ("DeleteConflict",
                                "Cannot delete entity, must delete MFA device first.")
    iam.deactivate_mfa_device(UserName="bob", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="bob")["MFADevices"] == []
    with pytest.raises(ClientError) as refused:
        iam.deactivate_mfa_device(UserName="bob", SerialNumber=serial)
    assert refusal(refused) == ("NoSuchEntity", f"MFA Device with serial number {serial} "
                                                "does not exist.")
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    iam.delete_user(UserName="bob")
    with pytest.raises(ClientError) as refused:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert refusal(refused) == ("NoSuchEntity", f"MFA Device with serial number {serial} "
                                                "does not exist.")
    assert iam.list_virtual_mfa_devices()["VirtualMFADevices"] == []


def test_devices_are_listed_by_assignment_status(fresh: Course) -> None:
    account = account_id(fresh)
    with_mfa(fresh, "bob")
    device(fresh, "spare-1")
    device(fresh, "spare-2")
    iam = client(fresh.sandbox_env(), "iam")
    bob = iam.get_user(UserName="bob")["User"]

    def listed(**status: str) -> list[dict[str, Any]]:
        return list(iam.list_virtual_mfa_devices(**status)["VirtualMFADevices"])

    [assigned] = listed(AssignmentStatus="Assigned")
    assert assigned["SerialNumber"] == f"arn:aws:iam::{account}:mfa/bob-phone"
    assert assigned["User"] == {k: bob[k] for k in ("Path", "UserName", "UserId", "Arn",
                                                    "CreateDate")}
    assert set(assigned) == {"SerialNumber", "User", "EnableDate"}
    assert [d["SerialNumber"] for d in listed(AssignmentStatus="Unassigned")] == [
        f"arn:aws:iam::{account}:mfa/spare-1", f"arn:aws:iam::{account}:mfa/spare-2"]
    assert len(listed(AssignmentStatus="Any")) == 3 and len(listed()) == 3
    first = iam.list_virtual_mfa_devices(MaxItems=2)
    assert first["IsTruncated"] and len(first["VirtualMFADevices"]) == 2
    rest = iam.list_virtual_mfa_devices(MaxItems=2, Marker=first["Marker"])
    assert not rest["IsTruncated"] and len(rest["VirtualMFADevices"]) == 1
    for entry in listed():
        assert not {"Base32StringSeed", "QRCodePNG"} & set(entry)
    with pytest.raises(ClientError) as refused:
        iam.list_virtual_mfa_devices(Marker="not-a-marker")
    assert refusal(refused) == ("ValidationError", "Invalid Marker.")


# -- MFA sessions ------------------------------------------------------------------------

def test_get_session_token_checks_the_code_of_the_callers_own_device(fresh: Course) -> None:
    account = account_id(fresh)
    bob, serial, phone = with_mfa(fresh, "bob")
    carol, carols, _ = with_mfa(fresh, "carol")
    spare, _ = device(fresh, "spare")
    right = phone.code()
    for serial_number, code, expected in [
        (serial, wrong(right), WRONG_CODE),
        (serial, phone.at(phone.used - 1), WRONG_CODE),  # the code used to enable it
        (carols, right, UNKNOWN_DEVICE),  # carol's device, not bob's
        (spare, right, UNKNOWN_DEVICE),  # a device no one has enabled
        (f"arn:aws:iam::{account}:mfa/nothing", right, UNKNOWN_DEVICE),
    ]:
        status, answer = bob.call("sts", "GetSessionToken", SerialNumber=serial_number,
                                  TokenCode=code)
        assert (status, error(answer)) == (403, expected), serial_number
    status, answer = bob.call("sts", "GetSessionToken", SerialNumber=serial, TokenCode=right)
    assert status == 200, answer
    key = field(answer, "AccessKeyId")
    assert key.startswith("ASIA") and len(key) == 20
    assert len(field(answer, "SecretAccessKey")) == 40 and field(answer, "SessionToken")
    status, answer = bob.call("sts", "GetSessionToken", SerialNumber=serial, TokenCode=right)
    assert (status, error(answer)) == (403, WRONG_CODE)  # a code works once
    # GetSessionToken needs no permission: carol's session, without MFA, though she may
    # do nothing.
    client(fresh.sandbox_env(), "iam").delete_user_policy(UserName="carol", PolicyName="own")
    assert carol.call("sts", "GetSessionToken")[0] == 200


def test_session_credentials_work_with_the_aws_cli(fresh: Course) -> None:
    bob, serial, phone = with_mfa(fresh, "bob")
    done = fresh.run(["aws", "sts", "get-session-token", "--serial-number", serial,
                      "--token-code", phone.code()], env=env_of(fresh, bob.key, bob.secret))
    assert done.returncode == 0, done.stderr
    credentials = json.loads(done.stdout)["Credentials"]
    mfa_env = env_of(fresh, credentials["AccessKeyId"], credentials["SecretAccessKey"],
                     credentials["SessionToken"])
    done = fresh.run(["aws", "sts", "get-caller-identity"], env=mfa_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"] == f"arn:aws:iam::{account_id(fresh)}:user/bob"
    done = fresh.run(["aws", "iam", "list-mfa-devices"], env=mfa_env)  # bob's own
    assert done.returncode == 0, done.stderr
    assert [d["SerialNumber"] for d in json.loads(done.stdout)["MFADevices"]] == [serial]
    done = fresh.run(["aws", "iam", "get-mfa-device", "--serial-number", serial], env=mfa_env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["UserName"] == "bob"
    assert fresh.run(["aws", "iam", "create-group", "--group-name", "Ops"],
                     env=mfa_env).returncode == 0
    # Without its token, the session's key is nobody's.
    no_token = {k: v for k, v in mfa_env.items() if k != "AWS_SESSION_TOKEN"}
    done = fresh.run(["aws", "iam", "create-group", "--group-name", "Ops2"], env=no_token)
    assert done.returncode != 0 and "InvalidClientTokenId" in done.stderr
    assert [g["GroupName"] for g in client(fresh.sandbox_env(), "iam").list_groups()[
        "Groups"]] == ["Ops"]


def test_a_session_key_needs_its_own_token(fresh: Course) -> None:
    bob, serial, phone = with_mfa(fresh, "bob")
    with_code = session(bob, SerialNumber=serial, TokenCode=phone.code())
    without = session(bob)
    for token in [None, "", without.token, "FQoGZXIvYXdzEBYaD" + "A" * 60]:
        status, answer = with_code.call("iam", "CreateUser", token=token, UserName="eve")
        assert (status, error(answer)[0]) == (403, "InvalidClientTokenId"), token
    assert with_code.call("iam", "CreateUser", UserName="eve")[0] == 200


def test_session_durations(fresh: Course) -> None:
    bob = user(fresh, "bob")
    for asked, lasts in [(None, 43200), ("900", 900), ("129600", 129600)]:
        params = {"DurationSeconds": asked} if asked else {}
        status, answer = bob.call("sts", "GetSessionToken", **params)
        assert status == 200, answer
        left = expiration(answer) - dt.datetime.now(dt.UTC)
        assert dt.timedelta(seconds=lasts - 60) < left <= dt.timedelta(seconds=lasts), asked
    for asked in ["899", "129601"]:
        status, answer = bob.call("sts", "GetSessionToken", DurationSeconds=asked)
        assert (status, error(answer)[0]) == (400, "ValidationError"), asked
    root = root_keys(fresh)
    for asked in [None, "7200", "129600"]:  # root's sessions: an hour at most
        params = {"DurationSeconds": asked} if asked else {}
        status, answer = root.call("sts", "GetSessionToken", **params)
        assert status == 200, answer
        left = expiration(answer) - dt.datetime.now(dt.UTC)
        assert dt.timedelta(seconds=3540) < left <= dt.timedelta(seconds=3600), asked
    status, answer = root.call("sts", "GetSessionToken", DurationSeconds="900")
    left = expiration(answer) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=840) < left <= dt.timedelta(seconds=900)


def test_what_session_credentials_may_not_call(fresh: Course) -> None:
    """GetSessionToken's credentials call no IAM operation without MFA, and no STS
    operation but AssumeRole and GetCallerIdentity; no session's credentials call
    GetSessionToken. Root's session too."""
    account = account_id(fresh)
    bob, serial, phone = with_mfa(fresh, "bob")
    plain = session(bob)
    assert plain.call("sts", "GetCallerIdentity")[0] == 200
    boto(env_of(fresh, plain.key, plain.secret, plain.token), "s3").create_bucket(
        Bucket="bobs-bucket")  # any other service: as bob
    for action in ["ListUsers", "GetUser", "ListMFADevices"]:
        status, answer = plain.call("iam", action)
        assert (status, error(answer)[0]) == (403, "InvalidClientTokenId"), action
    for action in ["GetSessionToken", "GetFederationToken", "GetAccessKeyInfo",
                   "DecodeAuthorizationMessage"]:
        params = {"Name": "someone"} if action == "GetFederationToken" else \
            {"AccessKeyId": bob.key} if action == "GetAccessKeyInfo" else \
            {"EncodedMessage": "x"} if action == "DecodeAuthorizationMessage" else {}
        status, answer = plain.call("sts", action, **params)
        assert (status, error(answer)) == (403, (
            "AccessDenied", f"Cannot call {action} with session credentials")), action
    with_code = session(bob, SerialNumber=serial, TokenCode=phone.code())
    assert with_code.call("iam", "ListUsers")[0] == 200
    status, answer = with_code.call("sts", "GetSessionToken")
    assert (status, error(answer)[1]) == (403, "Cannot call GetSessionToken with session "
                                               "credentials")
    ops = role(fresh, "ops", trust(f"arn:aws:iam::{account}:user/bob"), ADMIN)
    role_session = bob.session(ops)
    status, answer = role_session.call("sts", "GetSessionToken")
    assert (status, error(answer)[1]) == (403, "Cannot call GetSessionToken with session "
                                               "credentials")
    roots = session(root_keys(fresh))
    status, answer = roots.call("sts", "GetCallerIdentity")
    assert status == 200 and field(answer, "Arn") == f"arn:aws:iam::{account}:root"
    assert roots.call("iam", "ListUsers")[0] == 403
    assert "bobs-bucket" in {b["Name"] for b in client(fresh.sandbox_env(), "s3").list_buckets()[
        "Buckets"]}


def test_an_mfa_enforcing_policy_sees_the_mfa_context(fresh: Course) -> None:
    """AWS's "force MFA" policy (a Deny of all but managing one's own MFA, with
    BoolIfExists aws:MultiFactorAuthPresent false): a long-term key carries no MFA
    key, a session without MFA "false": both denied; an MFA session is allowed."""
    bob, serial, phone = with_mfa(fresh, "bob", ALL)
    client(fresh.sandbox_env(), "iam").put_user_policy(
        UserName="bob", PolicyName="force-mfa", PolicyDocument=json.dumps(FORCE_MFA))
    s3 = client(fresh.sandbox_env(), "s3")
    s3.create_bucket(Bucket="team-bucket")
    with pytest.raises(ClientError) as refused:
        boto(env_of(fresh, bob.key, bob.secret), "s3").list_buckets()
    assert refusal(refused)[0] == "AccessDenied"
    status, answer = bob.call("iam", "CreateGroup", GroupName="Ops")
    assert status == 403 and error(answer)[1].endswith(
        "with an explicit deny in an identity-based policy")
    assert bob.call("iam", "ListMFADevices")[0] == 200  # managing his own MFA: allowed
    plain = session(bob)
    with pytest.raises(ClientError) as refused:
        boto(env_of(fresh, plain.key, plain.secret, plain.token), "s3").list_buckets()
    assert refusal(refused)[0] == "AccessDenied"
    with_code = session(bob, SerialNumber=serial, TokenCode=phone.code())
    buckets = boto(env_of(fresh, with_code.key, with_code.secret, with_code.token),
                   "s3").list_buckets()["Buckets"]
    assert [b["Name"] for b in buckets] == ["team-bucket"]
    assert with_code.call("iam", "CreateGroup", GroupName="Ops")[0] == 200
    # What a policy may ask of the MFA's age: a fresh code is less than a minute old.
    client(fresh.sandbox_env(), "iam").put_user_policy(
        UserName="bob", PolicyName="recent-mfa", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Action": "iam:CreateGroup", "Resource": "*",
                "Condition": {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "60"}},
            }]}))
    assert with_code.call("iam", "CreateGroup", GroupName="Ops2")[0] == 200


def test_the_age_of_an_mfa_session_and_its_expiry(fresh: Course) -> None:
    """Sessions are made, then the record is made to say they were made long ago: the
    account rebuilt from it holds an MFA session two hours old, a user's session and a
    root's session that expired."""
    bob, serial, phone = with_mfa(fresh, "bob")
    client(fresh.sandbox_env(), "iam").put_user_policy(
        UserName="bob", PolicyName="recent-mfa", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Deny", "Action": "iam:CreateGroup", "Resource": "*",
                "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}},
            }]}))
    old = session(bob, SerialNumber=serial, TokenCode=phone.code(), DurationSeconds="129600")
    short = session(bob, DurationSeconds="900")
    roots = session(root_keys(fresh))  # an hour
    assert old.call("iam", "CreateGroup", GroupName="Ops")[0] == 200
    assert fresh.grade("sandbox", "stop").returncode == 0
    move_back(fresh, "GetSessionToken", dt.timedelta(hours=2), which=0)
    move_back(fresh, "GetSessionToken", dt.timedelta(minutes=20), which=1)
    move_back(fresh, "GetSessionToken", dt.timedelta(minutes=61), which=2)
    assert fresh.grade("sandbox", "start").returncode == 0
    status, answer = old.call("iam", "CreateGroup", GroupName="Ops2")
    assert status == 403 and "with an explicit deny" in error(answer)[1]
    assert old.call("iam", "ListGroups")[0] == 200  # the session itself is still valid
    for keys in (short, roots):
        for service, action in [("sts", "GetCallerIdentity"), ("iam", "ListUsers")]:
            status, answer = keys.call(service, action)
            assert (status, error(answer)) == (403, ("ExpiredToken", EXPIRED)), action
    with pytest.raises(ClientError) as refused:
        boto(env_of(fresh, short.key, short.secret, short.token), "s3").list_buckets()
    assert refusal(refused) == ("ExpiredToken", "The provided token has expired.")


def test_assume_role_with_an_mfa_code(fresh: Course) -> None:
    """A trust policy that requires MFA trusts AssumeRole with a right code, or from an
    MFA session; the role's session is then MFA-authenticated."""
    account = account_id(fresh)
    bob, serial, phone = with_mfa(fresh, "bob")
    bob_arn = f"arn:aws:iam::{account}:user/bob"
    guarded = role(fresh, "guarded", trust(bob_arn, Condition={
        "Bool": {"aws:MultiFactorAuthPresent": "true"}}), ADMIN)
    status, answer = bob.assume(guarded)
    assert (status, error(answer)) == (403, not_authorized(bob_arn, guarded))
    code = phone.code()
    status, answer = bob.assume(guarded, SerialNumber=serial, TokenCode=wrong(code))
    assert (status, error(answer)) == (403, WRONG_CODE)
    status, answer = bob.assume(guarded, SerialNumber=f"arn:aws:iam::{account}:mfa/nothing",
                                TokenCode=code)
    assert (status, error(answer)) == (403, UNKNOWN_DEVICE)
    # A role that does not trust bob refuses him; the code he sent is not used up.
    elsewhere = role(fresh, "elsewhere", trust("arn:aws:iam::111122223333:root"), ADMIN)
    status, answer = bob.assume(elsewhere, SerialNumber=serial, TokenCode=code)
    assert (status, error(answer)) == (403, not_authorized(bob_arn, elsewhere))
    with_code = bob.session(guarded, "with-code", SerialNumber=serial, TokenCode=code)
    status, answer = bob.assume(guarded, SerialNumber=serial, TokenCode=code)
    assert (status, error(answer)) == (403, WRONG_CODE)  # now it is
    assert with_code.call("iam", "CreateGroup", GroupName="Ops")[0] == 200
    [created] = lookup(fresh, EventName="CreateGroup")
    assert created["record"]["userIdentity"]["sessionContext"]["attributes"][
        "mfaAuthenticated"] == "true"
    # From an MFA session, no code is needed, and the role is chained (an hour at most).
    carol, carols, carol_phone = with_mfa(fresh, "carol")
    mfa_session = session(carol, SerialNumber=carols, TokenCode=carol_phone.code())
    carol_role = role(fresh, "carols", trust(f"arn:aws:iam::{account}:user/carol", Condition={
        "Bool": {"aws:MultiFactorAuthPresent": "true"}}), ADMIN, MaxSessionDuration=43200)
    status, answer = mfa_session.assume(carol_role, DurationSeconds="7200")
    assert (status, error(answer)[1]) == (400, "The requested DurationSeconds exceeds the 1 "
                                               "hour session limit for roles assumed by role "
                                               "chaining.")
    assert mfa_session.session(carol_role, "chained").call("iam", "ListUsers")[0] == 200
    assert carol.assume(carol_role)[0] == 403  # her long-term key: no MFA


# -- the record ----------------------------------------------------------------------------

def test_session_calls_are_recorded_as_cloudtrail_records_them(fresh: Course) -> None:
    account = account_id(fresh)
    bob, serial, phone = with_mfa(fresh, "bob")
    bob_id = client(fresh.sandbox_env(), "iam").get_user(UserName="bob")["User"]["UserId"]
    with_code = session(bob, SerialNumber=serial, TokenCode=phone.code())
    plain = session(bob)
    assert with_code.call("iam", "CreateGroup", GroupName="Ops")[0] == 200
    assert plain.call("sts", "GetCallerIdentity")[0] == 200
    [created] = lookup(fresh, EventName="CreateGroup")
    identity = created["record"]["userIdentity"]
    creation = identity["sessionContext"]["attributes"]["creationDate"]
    assert identity == {
        "type": "IAMUser", "principalId": bob_id, "arn": f"arn:aws:iam::{account}:user/bob",
        "accountId": account, "userName": "bob", "accessKeyId": with_code.key,
        "sessionContext": {"attributes": {"creationDate": creation,
                                          "mfaAuthenticated": "true"}},
    }
    assert created["Username"] == "bob" and created["AccessKeyId"] == with_code.key
    [*_, called] = [e for e in lookup(fresh, Username="bob")
                    if e["EventName"] == "GetCallerIdentity"]
    assert called["record"]["userIdentity"]["sessionContext"]["attributes"][
        "mfaAuthenticated"] == "false"
    [without, with_mfa_code] = lookup(fresh, EventName="GetSessionToken")
    record = with_mfa_code["record"]
    assert record["userIdentity"]["accessKeyId"] == bob.key  # bob's own key
    assert "sessionContext" not in record["userIdentity"]
    assert record["requestParameters"] == {"serialNumber": serial,
                                           "tokenCode": "HIDDEN_DUE_TO_SECURITY_REASONS"}
    assert record["responseElements"]["credentials"]["accessKeyId"] == with_code.key
    assert without["record"]["responseElements"]["credentials"]["accessKeyId"] == plain.key
    assert [r["ResourceName"] for r in with_mfa_code["Resources"]] == [serial]


# -- restarts ----------------------------------------------------------------------------

def mfa_state(course: Course) -> dict[str, Any]:
    """What the account says of MFA, read with the grader's key (not recorded)."""
    env = grader_env(course)
    iam = client(env, "iam")
    return {
        "devices": iam.list_virtual_mfa_devices()["VirtualMFADevices"],
        "users": {u["UserName"]: iam.list_mfa_devices(UserName=u["UserName"])["MFADevices"]
                  for u in iam.list_users()["Users"]},
        "summary": {k: v for k, v in iam.get_account_summary()["SummaryMap"].items()
                    if "MFA" in k},
    }


def test_devices_codes_and_sessions_come_back_the_same(fresh: Course) -> None:
    """Stopped and started, then killed and started, the account is rebuilt from its
    record: the same devices (same seeds: a code from the seed it gave works), enabled
    at the same moments, the same sessions (same keys, secrets and tokens, same MFA),
    and the codes it accepted are still used."""
    bob, serial, phone = with_mfa(fresh, "bob")
    spare_serial, spare = device(fresh, "bob-spare")
    first, second = spare.pair()
    client(fresh.sandbox_env(), "iam").enable_mfa_device(
        UserName="bob", SerialNumber=spare_serial, AuthenticationCode1=first,
        AuthenticationCode2=second)
    code = phone.code()
    with_code = session(bob, SerialNumber=serial, TokenCode=code, DurationSeconds="3600")
    plain = session(bob)
    before = mfa_state(fresh)
    assert len(before["devices"]) == 2 and len(before["users"]["bob"]) == 2
    restart(fresh)
    assert mfa_state(fresh) == before
    status, answer = bob.call("sts", "GetSessionToken", SerialNumber=serial, TokenCode=code)
    assert (status, error(answer)) == (403, WRONG_CODE)  # still used
    assert with_code.call("iam", "CreateGroup", GroupName="Ops")[0] == 200  # still MFA
    assert plain.call("iam", "ListUsers")[0] == 403  # still without
    runtime = json.loads((fresh.home / "sandbox" / "runtime.json").read_text())
    os.kill(runtime["pid"], signal.SIGKILL)
    assert fresh.grade("sandbox", "start").returncode == 0
    assert mfa_state(fresh) == before
    # The spare device's seed is the one it showed: its next code signs bob in.
    again = session(bob, SerialNumber=spare_serial, TokenCode=spare.code())
    assert again.call("iam", "ListGroups")[0] == 200
    [created] = lookup(fresh, EventName="CreateGroup")
    assert created["record"]["userIdentity"]["accessKeyId"] == with_code.key


def test_codes_follow_the_machines_clock_after_the_account_moves_on(fresh: Course) -> None:
    """A learner's phone keeps the machine's time: after `grade sandbox advance 3h` its
    codes still enable a device and open a session, and a code used before a restart
    is still used after it (replay judges it at the moment it was first sent)."""
    assert fresh.grade("sandbox", "advance", "3h").returncode == 0
    bob, serial, phone = with_mfa(fresh, "bob")
    code = phone.code()
    assert session(bob, SerialNumber=serial, TokenCode=code).call(
        "iam", "ListGroups")[0] == 200
    restart(fresh)
    status, answer = bob.call("sts", "GetSessionToken", SerialNumber=serial, TokenCode=code)
    assert (status, error(answer)) == (403, WRONG_CODE)
