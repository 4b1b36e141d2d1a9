"""Root's MFA, which AWS lets root set up only in the console, and sign-in with MFA.

`grade console root-mfa create|enable|remove` (the contract in the README), the
console's sign-in asking for a code once the user has MFA, what CloudTrail records
(root's EnableMFADevice with userName "AWS ROOT USER", ConsoleLogin's MFAUsed), what
IAM reports (AccountMFAEnabled, the credential report, ListVirtualMFADevices), the
console sessions (unforgeable, expiring on the account's clock), all of it rebuilt
from the record. Codes come from `Phone` (pyotp, this machine's clock).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

from grader.sandbox.history.record import RECORD_FILE
from tests.conftest import Course, client
from tests.front_desk import grader_env, send
from tests.test_mfa import Phone, qr_text, restart, uri, with_mfa, wrong
from tests.test_role_sessions import account_id, lookup, root_keys


def password(course: Course) -> str:
    return str(course.account()["root_password"])


def root_mfa(course: Course, *args: str, code: str | None = None) -> Any:
    extra = ["--mfa-code", code] if code else []
    return course.grade("console", "root-mfa", *args, "--password", password(course), *extra,
                        input="")


def give_root_mfa(course: Course) -> tuple[str, Phone]:
    """Root's virtual MFA device, created and enabled through `grade console`."""
    made = root_mfa(course, "create", "--json")
    assert made.returncode == 0, made.stderr
    device = json.loads(made.stdout)
    phone = Phone(device["base32StringSeed"])
    enabled = root_mfa(course, "enable", *phone.pair())
    assert enabled.returncode == 0, enabled.stderr
    return device["serialNumber"], phone


def devices(course: Course) -> list[tuple[str, str, Any]]:
    """The account's virtual devices: serial number, user, enable date."""
    listed = client(grader_env(course), "iam").list_virtual_mfa_devices()["VirtualMFADevices"]
    return [(d["SerialNumber"], d["User"]["Arn"], d["EnableDate"]) for d in listed]


def summary(course: Course) -> dict[str, int]:
    return dict(client(grader_env(course), "iam").get_account_summary()["SummaryMap"])


def credential_report_root(course: Course) -> dict[str, str]:
    iam = client(course.sandbox_env(), "iam")
    iam.generate_credential_report()
    iam.generate_credential_report()
    rows = csv.DictReader(io.StringIO(iam.get_credential_report()["Content"].decode()))
    return next(r for r in rows if r["user"] == "<root_account>")


def test_root_creates_and_enables_a_virtual_device_in_the_console(fresh: Course) -> None:
    """The contract: create prints the serial number, the seed and the path of the QR
    code's PNG (owner-only), which decodes to AWS's URI; enable takes two consecutive
    codes, else exit 1 with AWS's reason; then IAM and CloudTrail tell the truth."""
    account = account_id(fresh)
    assert summary(fresh)["AccountMFAEnabled"] == 0
    made = root_mfa(fresh, "create", "--json")
    assert made.returncode == 0, made.stderr
    device = json.loads(made.stdout)
    serial = f"arn:aws:iam::{account}:mfa/root-account-mfa-device"
    assert device["serialNumber"] == serial
    image = Path(device["qrCodePng"])
    assert stat.S_IMODE(image.stat().st_mode) == 0o600
    seed = device["base32StringSeed"]
    assert qr_text(image.read_bytes()) == uri("root-account-mfa-device", account, seed)
    phone = Phone(seed)
    first, second = phone.pair()
    for codes in [(second, first), (first, wrong(second)), (first, first)]:
        refused = root_mfa(fresh, "enable", *codes)
        assert refused.returncode == 1, codes
        assert "Authentication code for device is not valid." in refused.stderr
        assert "Traceback" not in refused.stderr
    assert summary(fresh)["AccountMFAEnabled"] == 0
    enabled = root_mfa(fresh, "enable", first, second)
    assert enabled.returncode == 0, enabled.stderr
    assert summary(fresh)["AccountMFAEnabled"] == 1
    assert credential_report_root(fresh)["mfa_active"] == "true"
    iam = client(grader_env(fresh), "iam")
    [listed] = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert listed["SerialNumber"] == serial
    assert listed["User"]["Arn"] == f"arn:aws:iam::{account}:root"
    assert "Base32StringSeed" not in listed
    own = client(fresh.sandbox_env(), "iam").list_mfa_devices()["MFADevices"]
    assert [d["SerialNumber"] for d in own] == [serial]
    events = [e["record"] for e in lookup(fresh, EventName="EnableMFADevice")]
    assert [e.get("errorCode") for e in events] == [None, "ConsoleError", "ConsoleError",
                                                     "ConsoleError"]
    record = events[0]
    assert record["userIdentity"]["type"] == "Root"
    assert record["requestParameters"] == {"userName": "AWS ROOT USER", "serialNumber": serial}
    assert record["userAgent"] == "AWS Internal" and "errorCode" not in record


def test_the_api_cannot_give_root_an_mfa_device(fresh: Course) -> None:
    """As in AWS, root's keys cannot assign root a device: root is not an IAM user."""
    iam = client(fresh.sandbox_env(), "iam")
    made = iam.create_virtual_mfa_device(VirtualMFADeviceName="api-root")["VirtualMFADevice"]
    phone = Phone(made["Base32StringSeed"])
    first, second = phone.pair()
    status, answer = root_keys(fresh).call(
        "iam", "EnableMFADevice", UserName="root", SerialNumber=made["SerialNumber"],
        AuthenticationCode1=first, AuthenticationCode2=second)
    assert status == 404 and "NoSuchEntity" in answer
    assert summary(fresh)["AccountMFAEnabled"] == 0


def test_signing_in_as_root_then_takes_a_current_code(fresh: Course) -> None:
    serial, phone = give_root_mfa(fresh)
    secret = password(fresh)
    missing = fresh.grade("console", "signin", "root", "--password", secret, input="")
    assert missing.returncode == 1 and "--mfa-code" in missing.stderr
    bad = fresh.grade("console", "signin", "root", "--password", secret,
                      "--mfa-code", wrong(phone.at(phone.step())), input="")
    assert bad.returncode == 1 and "incorrect" in bad.stderr
    code = phone.code()  # typed at the prompt (standard input, not a terminal)
    good = fresh.grade("console", "signin", "root", "--password", secret, input=code + "\n")
    assert good.returncode == 0, good.stderr
    assert "with MFA" in good.stdout
    again = fresh.grade("console", "signin", "root", "--password", secret, "--mfa-code", code,
                        input="")
    assert again.returncode == 1  # a code signs in once
    logins = [e["record"] for e in lookup(fresh, EventName="ConsoleLogin")]
    reused, success, failure = logins[0], logins[1], logins[2]
    assert success["responseElements"] == {"ConsoleLogin": "Success"}
    assert success["additionalEventData"]["MFAUsed"] == "Yes"
    assert success["additionalEventData"]["MFAIdentifier"] == serial
    assert failure["responseElements"] == {"ConsoleLogin": "Failure"}
    assert failure["additionalEventData"]["MFAUsed"] == "No"
    assert reused["responseElements"] == {"ConsoleLogin": "Failure"}


def test_an_iam_user_with_mfa_signs_in_with_a_code(fresh: Course) -> None:
    _, _, phone = with_mfa(fresh, "bob")
    client(fresh.sandbox_env(), "iam").create_login_profile(
        UserName="bob", Password="Bob-Console-Pass-2026")
    signin = ["console", "signin", "bob", "--password", "Bob-Console-Pass-2026"]
    assert fresh.grade(*signin, input="").returncode == 1
    done = fresh.grade(*signin, "--mfa-code", phone.code())
    assert done.returncode == 0, done.stderr
    [login] = [e["record"] for e in lookup(fresh, EventName="ConsoleLogin")
               if e["record"]["userIdentity"].get("userName") == "bob"]
    assert login["additionalEventData"]["MFAUsed"] == "Yes"


def test_removing_roots_device_takes_a_signed_in_root(fresh: Course) -> None:
    serial, phone = give_root_mfa(fresh)
    refused = root_mfa(fresh, "remove")  # no code: not signed in
    assert refused.returncode == 1
    assert summary(fresh)["AccountMFAEnabled"] == 1
    removed = root_mfa(fresh, "remove", code=phone.code())
    assert removed.returncode == 0, removed.stderr
    assert summary(fresh)["AccountMFAEnabled"] == 0
    assert credential_report_root(fresh)["mfa_active"] == "false"
    assert client(grader_env(fresh), "iam").list_virtual_mfa_devices()[
        "VirtualMFADevices"] == []
    [event] = lookup(fresh, EventName="DeactivateMFADevice")
    assert event["record"]["requestParameters"]["serialNumber"] == serial
    assert fresh.grade("console", "signin", "root", "--password", password(fresh)
                       ).returncode == 0  # no code needed any more


def test_root_console_pages_need_roots_own_session(fresh: Course) -> None:
    """Raw HTTP: no session, a made-up one, an IAM user's session, a root session after
    the account's clock passed its end: all refused; the token is never recorded."""
    endpoint = fresh.sandbox_env()["AWS_ENDPOINT_URL"]
    create = json.dumps({"action": "create"}).encode()
    path = "/_sandbox/console/root-mfa"
    json_type = {"Content-Type": "application/json"}
    assert send(endpoint, "POST", path, create, json_type)[0] == 401
    assert send(endpoint, "POST", path, create,
                json_type | {"Cookie": "aws-console-session=forged"})[0] == 401
    client(fresh.sandbox_env(), "iam").create_user(UserName="carol")
    client(fresh.sandbox_env(), "iam").create_login_profile(
        UserName="carol", Password="Carol-Console-Pass-2026")

    def session_of(user: str, secret: str) -> str:
        status, headers, body = send(endpoint, "POST", "/_sandbox/console/signin",
                                     json.dumps({"user": user, "password": secret}).encode(),
                                     json_type)
        assert status == 200, body
        cookie = headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        return str(json.loads(body)["session"])

    carol = session_of("carol", "Carol-Console-Pass-2026")
    assert send(endpoint, "POST", path, create, json_type | {"X-Console-Session": carol}
                )[0] == 401
    root = session_of("root", password(fresh))
    status, _, body = send(endpoint, "POST", path, create,
                           json_type | {"Cookie": f"aws-console-session={root}"})
    assert status == 200, body
    assert fresh.grade("sandbox", "advance", "13h").returncode == 0
    assert send(endpoint, "POST", path, create, json_type | {"X-Console-Session": root}
                )[0] == 401
    db = sqlite3.connect(fresh.home / "sandbox" / RECORD_FILE)
    rows = db.execute("SELECT * FROM events").fetchall()
    db.close()
    assert not any(root in str(row) or carol in str(row) for row in rows)


def test_roots_mfa_comes_back_the_same_after_a_restart(fresh: Course) -> None:
    """Stopped and started, then killed and started: root still has its device, enabled
    at the same moment, with the same seed (the phone's next code signs root in), and
    the code it signed in with is still used."""
    _, phone = give_root_mfa(fresh)
    secret = password(fresh)
    before = devices(fresh)
    restart(fresh)
    assert devices(fresh) == before
    assert summary(fresh)["AccountMFAEnabled"] == 1
    code = phone.code()
    assert fresh.grade("console", "signin", "root", "--password", secret, "--mfa-code", code
                       ).returncode == 0
    runtime = json.loads((fresh.home / "sandbox" / "runtime.json").read_text())
    os.kill(runtime["pid"], 9)
    assert fresh.grade("sandbox", "start").returncode == 0
    assert devices(fresh) == before
    assert fresh.grade("console", "signin", "root", "--password", secret, "--mfa-code", code,
                       input="").returncode == 1


def test_a_reset_signs_everyone_out(fresh: Course) -> None:
    """`grade sandbox reset` starts the account over in the same process: a console
    session of the old account does not open the new one."""
    endpoint = fresh.sandbox_env()["AWS_ENDPOINT_URL"]
    json_type = {"Content-Type": "application/json"}
    status, _, body = send(endpoint, "POST", "/_sandbox/console/signin",
                           json.dumps({"user": "root", "password": password(fresh)}).encode(),
                           json_type)
    assert status == 200, body
    session = {"X-Console-Session": str(json.loads(body)["session"])}
    listing = json.dumps({"action": "list"}).encode()
    path = "/_sandbox/console/root-mfa"
    assert send(endpoint, "POST", path, listing, json_type | session)[0] == 200
    fresh.reset()
    assert send(endpoint, "POST", path, listing, json_type | session)[0] == 401
