"""SimulatePrincipalPolicy in the simulated account, through the real AWS CLI."""

from __future__ import annotations

import json

from tests.conftest import Course, client
from tests.test_policy_evaluation import FORCE_MFA


def simulate(course: Course, user: str, action: str, *extra: str) -> str:
    account = course.account()["account_id"]
    done = course.run(["aws", "iam", "simulate-principal-policy", "--policy-source-arn",
                       f"arn:aws:iam::{account}:user/{user}", "--action-names", action,
                       "--query", "EvaluationResults[0].EvalDecision", "--output", "text",
                       *extra])
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_admin_group_and_force_mfa(fresh: Course) -> None:
    iam = client(fresh.sandbox_env(), "iam")
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins",
                            PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.add_user_to_group(GroupName="Admins", UserName="alice")
    iam.create_user(UserName="bob")
    assert simulate(fresh, "alice", "iam:CreateUser") == "allowed"
    assert simulate(fresh, "bob", "iam:CreateUser") == "implicitDeny"
    iam.put_group_policy(GroupName="Admins", PolicyName="force-mfa",
                         PolicyDocument=json.dumps(FORCE_MFA))
    no_mfa = ["--context-entries",
              "ContextKeyName=aws:MultiFactorAuthPresent,ContextKeyValues=false,"
              "ContextKeyType=boolean"]
    with_mfa = [no_mfa[0], no_mfa[1].replace("Values=false", "Values=true")]
    assert simulate(fresh, "alice", "iam:CreateUser", *no_mfa) == "explicitDeny"
    assert simulate(fresh, "alice", "iam:CreateUser", *with_mfa) == "allowed"
    assert simulate(fresh, "alice", "iam:EnableMFADevice", *no_mfa) == "allowed"
