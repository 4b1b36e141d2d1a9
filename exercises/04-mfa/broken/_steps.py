"""Steps of the exercise, done right, from which each wrong solution here is
built with exactly one mistake. Every script runs as your IAM admin user from
exercise 03, with its long-term access key (the root password, for the
console part, comes from `grade sandbox status --json`):

    AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... python broken/NAME.py

and says in its docstring which checks must fail (`fails: ...`). `Phone` stands
in for an authenticator app: it gives each code once, as a device's codes are
used once.
"""

from __future__ import annotations

import functools
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import pyotp

POLICY = json.loads((Path(__file__).parent.parent / "solution" /
                     "require-mfa-policy.json").read_text())


class Phone:
    """An authenticator app holding one seed."""

    def __init__(self, seed: str) -> None:
        self.totp = pyotp.TOTP(seed)
        self.used = -1

    def pair(self) -> tuple[str, str]:
        """Two consecutive codes (the previous step's and this one's), to enable a device."""
        now = int(time.time()) // 30
        self.used = now
        return self.totp.generate_otp(now - 1), self.totp.generate_otp(now)

    def code(self) -> str:
        """A code never given before (this step's, or the next one's)."""
        step = max(int(time.time()) // 30, self.used + 1)
        self.used = step
        return self.totp.generate_otp(step)


@functools.cache
def me() -> Any:
    """The admin user's session (its long-term key, from the environment). One: each new
    session reads botocore's models again."""
    return boto3.Session()


@functools.cache
def my_name() -> str:
    return str(me().client("sts").get_caller_identity()["Arn"]).rsplit("/", 1)[-1]


def admin_group() -> str:
    groups = me().client("iam").list_groups_for_user(UserName=my_name())["Groups"]
    return str(groups[0]["GroupName"])


@functools.cache
def root_password() -> str:
    status = subprocess.run(["grade", "sandbox", "status", "--json"], capture_output=True,
                            text=True, check=True)
    return str(json.loads(status.stdout)["rootPassword"])


def console(*args: str) -> str:
    done = subprocess.run(["grade", "console", *args, "--password", root_password()],
                          capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    return done.stdout


def root_mfa() -> Phone:
    """Root's virtual MFA device, in the console: created, then enabled."""
    device = json.loads(console("root-mfa", "create", "--json"))
    phone = Phone(device["base32StringSeed"])
    console("root-mfa", "enable", *phone.pair())
    return phone


def create_device(name: str | None = None) -> tuple[str, Phone]:
    made = me().client("iam").create_virtual_mfa_device(
        VirtualMFADeviceName=name or my_name())["VirtualMFADevice"]
    return str(made["SerialNumber"]), Phone(made["Base32StringSeed"])


def enable_device(serial: str, phone: Phone) -> None:
    first, second = phone.pair()
    me().client("iam").enable_mfa_device(UserName=my_name(), SerialNumber=serial,
                                         AuthenticationCode1=first, AuthenticationCode2=second)


def require_mfa(document: dict[str, Any] | None = None, group: str | None = None) -> None:
    iam = me().client("iam")
    arn = iam.create_policy(PolicyName="RequireMFA",
                            PolicyDocument=json.dumps(document or POLICY))["Policy"]["Arn"]
    iam.attach_group_policy(GroupName=group or admin_group(), PolicyArn=arn)


def mfa_session(serial: str, code: str) -> Any:
    credentials = me().client("sts").get_session_token(
        SerialNumber=serial, TokenCode=code)["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"])


def everyday_work(session: Any) -> None:
    session.client("s3").list_buckets()
    session.client("iam").list_users()


def with_deny(condition: dict[str, Any] | None = None, not_action: list[str] | None = None,
              action: list[str] | None = None) -> dict[str, Any]:
    """AWS's policy with its last statement (the Deny) changed."""
    document = json.loads(json.dumps(POLICY))
    deny = document["Statement"][-1]
    if condition is not None:
        deny["Condition"] = condition
    if not_action is not None:
        deny["NotAction"] = not_action
    if action is not None:
        del deny["NotAction"]
        deny["Action"] = action
    return document
