"""Does a set of IAM policies grant full administrator access? (Parsing: `grader.policy`.)

"Full administrator permissions" means what AWS's AdministratorAccess
grants: every action on every resource, with no condition. A set of
policies grants it when one statement allows `"Action": "*"` on
`"Resource": "*"` unconditionally and no statement denies anything (any
Deny takes something away), except a Deny that applies only to requests
made without MFA (`only_without_mfa`, exercise 04's policy): an admin who
signs in with MFA still may do everything. Statements that allow a list of
services, use NotAction or NotResource, or name some resources are not full
admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from grader.policy.conditions import conditions_hold
from grader.policy.document import statements
from grader.policy.document import values as _values
from grader.policy.evaluate import Request

MFA_KEYS = frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage"})
# A request made in an MFA session just begun: what an admin with MFA sends.
WITH_MFA = Request("*", context={"aws:MultiFactorAuthPresent": "true",
                                 "aws:MultiFactorAuthAge": "0"}).keys()


def allows_everything(statement: dict[str, Any]) -> bool:
    """True for `Allow "*" on "*"` with no condition, no NotAction, no NotResource."""
    return (
        statement.get("Effect") == "Allow"
        and "*" in _values(statement.get("Action"))
        and "*" in _values(statement.get("Resource"))
        and "NotAction" not in statement
        and "NotResource" not in statement
        and not statement.get("Condition")
    )


def only_without_mfa(statement: dict[str, Any]) -> bool:
    """True for a Deny whose condition is only about MFA and does not hold for a request
    made with MFA: it takes nothing away from an admin who uses MFA."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict) or not condition:
        return False
    keys = {str(key).lower() for block in condition.values() if isinstance(block, dict)
            for key in block}
    return bool(keys) and keys <= MFA_KEYS and not conditions_hold(condition, WITH_MFA,
                                                                   lambda text: text)


def takes_away(statement: dict[str, Any]) -> bool:
    """A Deny that limits even an admin who signs in with MFA."""
    return statement.get("Effect") == "Deny" and not only_without_mfa(statement)


def grants_full_admin(documents: Iterable[dict[str, Any]]) -> bool:
    """True when these policies together allow every action on every resource (to a
    caller who uses MFA, when a Deny asks for it)."""
    all_statements = [s for d in documents for s in statements(d)]
    if any(takes_away(s) for s in all_statements):
        return False
    return any(allows_everything(s) for s in all_statements)


def why_not_full_admin(documents: Iterable[dict[str, Any]]) -> str:
    """A learner-readable reason why these policies are not full admin."""
    all_statements = [s for d in documents for s in statements(d)]
    if not all_statements:
        return "it has no permissions policy"
    if any(takes_away(s) for s in all_statements):
        return "a statement denies some actions"
    allows = [s for s in all_statements if s.get("Effect") == "Allow"]
    if any("NotAction" in s for s in allows):
        return "it allows everything except some actions (NotAction)"
    if any(s.get("Condition") for s in allows if "*" in _values(s.get("Action"))):
        return "its allow-everything statement has a condition"
    if not any("*" in _values(s.get("Action")) for s in allows):
        return "it allows only some actions, not \"Action\": \"*\""
    return "it allows all actions only on some resources, not \"Resource\": \"*\""
