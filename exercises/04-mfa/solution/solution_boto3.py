"""Reference solution with boto3. Run it as your IAM admin user from exercise 03
(its access key in the environment or a profile):

    AWS_PROFILE=sandbox-admin python solution_boto3.py

Root's MFA is set up in the console (`grade console`, as AWS allows only
there). The codes come from `pyotp`, standing in for your authenticator app.
"""

import json
import subprocess
import time
from pathlib import Path

import boto3
import pyotp


def grade(*args: str) -> str:
    return subprocess.run(["grade", *args], capture_output=True, text=True, check=True,
                          stdin=subprocess.DEVNULL).stdout


def two_codes(seed: str) -> tuple[str, str]:
    """Two consecutive codes, as an authenticator app shows them one after the other."""
    step = int(time.time()) // 30
    totp = pyotp.TOTP(seed)
    return totp.generate_otp(step - 1), totp.generate_otp(step)


def next_code(seed: str) -> str:
    """A code the device has not used yet (the next step's: the current one enabled it)."""
    return pyotp.TOTP(seed).generate_otp(int(time.time()) // 30 + 1)


me = boto3.Session()
iam = me.client("iam")
name = me.client("sts").get_caller_identity()["Arn"].rsplit("/", 1)[-1]
root_password = json.loads(grade("sandbox", "status", "--json"))["rootPassword"]

# 1. Root's MFA, in the console: a virtual device, enabled with two consecutive codes.
root_device = json.loads(grade("console", "root-mfa", "create", "--json",
                               "--password", root_password))
grade("console", "root-mfa", "enable", *two_codes(root_device["base32StringSeed"]),
      "--password", root_password)

# 2. My own virtual MFA device, enabled with two consecutive codes.
device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
serial, seed = device["SerialNumber"], device["Base32StringSeed"]
first, second = two_codes(seed)
iam.enable_mfa_device(UserName=name, SerialNumber=serial, AuthenticationCode1=first,
                      AuthenticationCode2=second)

# 3. AWS's "self-manage MFA, deny everything else without MFA" policy, on my admin group.
document = (Path(__file__).parent / "require-mfa-policy.json").read_text()
policy_arn = iam.create_policy(PolicyName="RequireMFA", PolicyDocument=document)["Policy"]["Arn"]
for group in iam.list_groups_for_user(UserName=name)["Groups"]:
    iam.attach_group_policy(GroupName=group["GroupName"], PolicyArn=policy_arn)

# 4. An MFA session, and everyday work in it.
credentials = me.client("sts").get_session_token(
    SerialNumber=serial, TokenCode=next_code(seed))["Credentials"]
session = boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])
print(session.client("s3").list_buckets()["Buckets"])
print([u["UserName"] for u in session.client("iam").list_users()["Users"]])
