"""IAM policy evaluation against AWS's documented examples: AdministratorAccess
and the "force MFA" policy from the IAM User Guide, a permissions boundary,
policy variables and the condition operators."""

from __future__ import annotations

import pytest

from grader.policy import Request, evaluate

ADMIN = {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
OWN_USER = "arn:aws:iam::*:user/${aws:username}"
FORCE_MFA = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AllowViewAccountInfo", "Effect": "Allow",
     "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], "Resource": "*"},
    {"Sid": "AllowManageOwnPasswords", "Effect": "Allow",
     "Action": ["iam:ChangePassword", "iam:GetUser"], "Resource": OWN_USER},
    {"Sid": "AllowManageOwnAccessKeys", "Effect": "Allow",
     "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys",
                "iam:UpdateAccessKey", "iam:GetAccessKeyLastUsed"], "Resource": OWN_USER},
    {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow",
     "Action": ["iam:CreateVirtualMFADevice"], "Resource": "arn:aws:iam::*:mfa/*"},
    {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
     "Action": ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices",
                "iam:ResyncMFADevice"], "Resource": OWN_USER},
    {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
     "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                   "iam:GetMFADevice", "iam:ListMFADevices", "iam:ListVirtualMFADevices",
                   "iam:ResyncMFADevice", "sts:GetSessionToken"],
     "Resource": "*",
     "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
]}
ALICE = "arn:aws:iam::123456789012:user/alice"
BOB = "arn:aws:iam::123456789012:user/bob"


def ctx(mfa: str | None) -> dict[str, str]:
    context = {"aws:username": "alice"}
    if mfa is not None:
        context["aws:MultiFactorAuthPresent"] = mfa
    return context


@pytest.mark.parametrize(("policies", "action", "resource", "mfa", "expected"), [
    ([ADMIN], "iam:CreateUser", "*", None, "allowed"),
    ([ADMIN, FORCE_MFA], "iam:CreateUser", "*", "false", "explicitDeny"),
    ([ADMIN, FORCE_MFA], "iam:CreateUser", "*", None, "explicitDeny"),
    ([ADMIN, FORCE_MFA], "iam:CreateUser", "*", "true", "allowed"),
    ([ADMIN, FORCE_MFA], "s3:ListAllMyBuckets", "*", None, "explicitDeny"),
    ([ADMIN, FORCE_MFA], "s3:ListAllMyBuckets", "*", "true", "allowed"),
    ([ADMIN, FORCE_MFA], "iam:EnableMFADevice", ALICE, "false", "allowed"),
    ([FORCE_MFA], "iam:ChangePassword", ALICE, "true", "allowed"),
    ([FORCE_MFA], "iam:ChangePassword", BOB, "true", "implicitDeny"),
    ([FORCE_MFA], "iam:ChangePassword", ALICE, "false", "explicitDeny"),
    ([FORCE_MFA], "iam:CreateVirtualMFADevice", "arn:aws:iam::123456789012:mfa/alice",
     "false", "allowed"),
    ([FORCE_MFA], "iam:EnableMFADevice", ALICE, None, "allowed"),
    ([FORCE_MFA], "iam:EnableMFADevice", BOB, None, "implicitDeny"),
    ([FORCE_MFA], "sts:GetSessionToken", "*", None, "implicitDeny"),
    ([FORCE_MFA], "iam:ListVirtualMFADevices", "*", "false", "allowed"),
    ([FORCE_MFA], "IAM:listvirtualmfadevices", "*", "false", "allowed"),
])
def test_force_mfa_policy(policies: list[dict], action: str, resource: str, mfa: str | None,
                          expected: str) -> None:
    assert evaluate(policies, Request(action, resource, ctx(mfa))).decision == expected


def test_a_missing_policy_variable_matches_nothing() -> None:
    request = Request("iam:ChangePassword", ALICE, {"aws:MultiFactorAuthPresent": "true"})
    assert evaluate([FORCE_MFA], request).decision == "implicitDeny"


def test_permissions_boundary_caps_the_policies() -> None:
    read_only = {"Statement": [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"],
                                "Resource": "*"}]}
    assert evaluate([ADMIN], Request("iam:CreateUser"), boundary=[read_only]).decision == \
        "implicitDeny"
    assert evaluate([ADMIN], Request("iam:GetUser"), boundary=[read_only]).allowed
    assert not evaluate([], Request("iam:GetUser"), boundary=[read_only]).allowed


@pytest.mark.parametrize(("statement", "request_", "expected"), [
    ({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::public/*"},
     Request("s3:GetObject", "arn:aws:s3:::secret/a"), "explicitDeny"),
    ({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::public/*"},
     Request("s3:GetObject", "arn:aws:s3:::public/a"), "allowed"),
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}},
     Request("ec2:RunInstances", "*", {"aws:RequestedRegion": "us-east-1"}), "explicitDeny"),
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}},
     Request("ec2:RunInstances", "*", {}), "allowed"),
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": ["secret-*"]}}},
     Request("ec2:CreateTags", "*", {"aws:TagKeys": ["team", "secret-x"]}), "explicitDeny"),
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"Null": {"aws:MultiFactorAuthAge": "true"}}},
     Request("iam:CreateUser", "*", {}), "explicitDeny"),
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}},
     Request("iam:CreateUser", "*", {"aws:MultiFactorAuthAge": "60"}), "allowed"),
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
     Request("iam:CreateUser", "*", {"aws:SourceIp": "203.0.113.9"}), "explicitDeny"),
])
def test_conditions_and_not_resource(statement: dict, request_: Request, expected: str) -> None:
    assert evaluate([ADMIN, {"Statement": [statement]}], request_).decision == expected
