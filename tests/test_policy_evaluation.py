"""IAM policy evaluation against AWS's documented examples: AdministratorAccess
and the "force MFA" policy from the IAM User Guide, a permissions boundary,
policy variables and the condition operators; session policies; a role's trust
policy (a resource-based policy) with the caller's own policies."""

from __future__ import annotations

import pytest

from grader.policy import Principal, Request, evaluate, evaluate_with_resource_policy
from grader.policy.principals import ACCOUNT, NAMED, ROLE, how_named

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


# -- sessions and resource-based policies (a role's trust policy) -----------------

ACCOUNT_ID = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/ops"
ALICE_P = Principal(ALICE, ACCOUNT_ID)
SESSION_P = Principal(f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/ops/alice", ACCOUNT_ID, ROLE_ARN)
ASSUME = Request("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT_ID}:role/target",
                 {"aws:PrincipalArn": ALICE})
MAY_ASSUME = {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}


def trust(principal: object, **extra: object) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}]}


@pytest.mark.parametrize(("element", "principal", "expected"), [
    ("*", ALICE_P, NAMED),
    ({"AWS": "*"}, ALICE_P, NAMED),
    ({"AWS": ALICE}, ALICE_P, NAMED),
    ({"AWS": [BOB, ALICE]}, ALICE_P, NAMED),
    ({"AWS": BOB}, ALICE_P, None),
    ({"AWS": ACCOUNT_ID}, ALICE_P, ACCOUNT),
    ({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}, ALICE_P, ACCOUNT),
    ({"AWS": "arn:aws:iam::111122223333:root"}, ALICE_P, None),
    ({"AWS": "111122223333"}, ALICE_P, None),
    ({"AWS": ROLE_ARN}, SESSION_P, ROLE),
    ({"AWS": SESSION_P.arn}, SESSION_P, NAMED),
    ({"AWS": [ACCOUNT_ID, ROLE_ARN]}, SESSION_P, ROLE),
    ({"AWS": "arn:aws:iam::123456789012:user/*"}, ALICE_P, None),  # no wildcards in ARNs
    ({"Service": "ec2.amazonaws.com"}, ALICE_P, None),
    ({"Federated": "cognito-identity.amazonaws.com"}, ALICE_P, None),
])
def test_principal_forms(element: object, principal: Principal, expected: str | None) -> None:
    assert how_named(element, principal) == expected


@pytest.mark.parametrize(("trust_policy", "identity", "expected"), [
    # The trust policy names the user: no identity policy needed.
    (trust({"AWS": ALICE}), [], "allowed"),
    (trust("*"), [], "allowed"),
    # It names the account: an identity policy must allow sts:AssumeRole too.
    (trust({"AWS": ACCOUNT_ID}), [], "implicitDeny"),
    (trust({"AWS": ACCOUNT_ID}), [MAY_ASSUME], "allowed"),
    (trust({"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"}), [MAY_ASSUME], "allowed"),
    # It names someone else, or another account: identity policies cannot make up for it.
    (trust({"AWS": BOB}), [MAY_ASSUME], "implicitDeny"),
    (trust({"AWS": "arn:aws:iam::111122223333:root"}), [MAY_ASSUME], "implicitDeny"),
    (trust({"Service": "ec2.amazonaws.com"}), [ADMIN], "implicitDeny"),
    # An explicit Deny anywhere wins.
    (trust({"AWS": ALICE}), [{"Statement": [{"Effect": "Deny", "Action": "sts:*",
                                             "Resource": "*"}]}], "explicitDeny"),
    ({"Statement": [*trust({"AWS": ACCOUNT_ID})["Statement"],
                    {"Effect": "Deny", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"}]},
     [MAY_ASSUME], "explicitDeny"),
    # NotPrincipal: everyone but those it lists.
    ({"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": BOB},
                     "Action": "sts:AssumeRole"}]}, [], "allowed"),
    ({"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": ALICE},
                     "Action": "sts:AssumeRole"}]}, [MAY_ASSUME], "implicitDeny"),
    # The trust policy must be about this action.
    (trust({"AWS": ALICE}) | {"Statement": [{"Effect": "Allow", "Principal": {"AWS": ALICE},
                                             "Action": "sts:TagSession"}]}, [ADMIN],
     "implicitDeny"),
])
def test_a_trust_policy_with_the_callers_policies(trust_policy: dict, identity: list[dict],
                                                  expected: str) -> None:
    decision = evaluate_with_resource_policy(identity, ASSUME, ALICE_P, trust_policy,
                                             must_allow=True)
    assert decision.decision == expected


def test_a_trust_policy_names_the_user_past_its_boundary_but_not_past_a_deny() -> None:
    read_only = {"Statement": [{"Effect": "Allow", "Action": "iam:Get*", "Resource": "*"}]}
    named = evaluate_with_resource_policy([], ASSUME, ALICE_P, trust({"AWS": ALICE}),
                                          boundary=[read_only], must_allow=True)
    assert named.allowed  # an implicit deny in a boundary does not limit it
    delegated = evaluate_with_resource_policy([MAY_ASSUME], ASSUME, ALICE_P,
                                              trust({"AWS": ACCOUNT_ID}),
                                              boundary=[read_only], must_allow=True)
    assert delegated.decision == "implicitDeny" and delegated.by == "boundary"
    no_sts = {"Statement": [{"Effect": "Deny", "Action": "sts:*", "Resource": "*"}]}
    denied = evaluate_with_resource_policy([], ASSUME, ALICE_P, trust({"AWS": ALICE}),
                                           boundary=[no_sts], must_allow=True)
    assert denied.decision == "explicitDeny" and denied.by == "boundary"


def test_a_trust_policy_naming_the_role_is_limited_by_the_session_policies() -> None:
    request = Request("sts:AssumeRole", ASSUME.resource, {"aws:PrincipalArn": ROLE_ARN})
    only_s3 = {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
    by_role = trust({"AWS": ROLE_ARN})
    assert evaluate_with_resource_policy([], request, SESSION_P, by_role,
                                         must_allow=True).allowed
    limited = evaluate_with_resource_policy([], request, SESSION_P, by_role,
                                            session=[only_s3], must_allow=True)
    assert limited.decision == "implicitDeny" and limited.by == "session"
    by_session = trust({"AWS": SESSION_P.arn})
    assert evaluate_with_resource_policy([], request, SESSION_P, by_session,
                                         session=[only_s3], must_allow=True).allowed


@pytest.mark.parametrize(("condition", "context", "expected"), [
    ({"StringEquals": {"sts:ExternalId": "Unique-42"}}, {}, "implicitDeny"),
    ({"StringEquals": {"sts:ExternalId": "Unique-42"}}, {"sts:ExternalId": "guess"},
     "implicitDeny"),
    ({"StringEquals": {"sts:ExternalId": "Unique-42"}}, {"sts:ExternalId": "Unique-42"},
     "allowed"),
    # A long-term key's requests have no aws:MultiFactorAuthPresent at all.
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, {}, "implicitDeny"),
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}},
     {"aws:MultiFactorAuthPresent": "false"}, "implicitDeny"),
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}},
     {"aws:MultiFactorAuthPresent": "true"}, "allowed"),
    ({"StringLike": {"sts:RoleSessionName": "${aws:username}"}},
     {"aws:username": "alice", "sts:RoleSessionName": "alice"}, "allowed"),
    ({"StringLike": {"sts:RoleSessionName": "${aws:username}"}},
     {"aws:username": "alice", "sts:RoleSessionName": "bob"}, "implicitDeny"),
])
def test_trust_policy_conditions(condition: dict, context: dict, expected: str) -> None:
    request = Request(ASSUME.action, ASSUME.resource, context)
    decision = evaluate_with_resource_policy(
        [], request, ALICE_P, trust({"AWS": ALICE}, Condition=condition), must_allow=True)
    assert decision.decision == expected


def test_session_policies_narrow_what_the_role_allows() -> None:
    list_only = {"Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}]}
    assert evaluate([ADMIN], Request("iam:ListUsers"), session=[list_only]).allowed
    narrowed = evaluate([ADMIN], Request("iam:CreateUser"), session=[list_only])
    assert narrowed.decision == "implicitDeny" and narrowed.by == "session"
    # A session policy grants nothing the role does not.
    assert evaluate([list_only], Request("iam:CreateUser"), session=[ADMIN]).by == "identity"
    assert not evaluate([list_only], Request("iam:CreateUser"), session=[ADMIN]).allowed
    # Given, but allowing nothing (a managed session policy since deleted): nothing.
    assert not evaluate([ADMIN], Request("iam:ListUsers"), session=[]).allowed
    no_iam = {"Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]}
    denied = evaluate([ADMIN], Request("iam:ListUsers"), session=[ADMIN, no_iam])
    assert denied.decision == "explicitDeny" and denied.by == "session"
