"""Whom a resource-based policy names: its `Principal` element, as AWS matches it.

A role's trust policy is a resource-based policy: each statement says who
(`Principal`, or everyone but those in `NotPrincipal`) may act on the role.
The forms that can name an IAM user or a role session (IAM User Guide,
"AWS JSON policy elements: Principal"):

- `"*"` or `{"AWS": "*"}`: every principal;
- `{"AWS": "123456789012"}` or `{"AWS": "arn:aws:iam::123456789012:root"}`:
  the account. "This delegates authority to the account": an identity policy
  in that account must allow the request too. It does not mean only the root
  user;
- an IAM user's ARN (that user), a role's ARN (any session of that role), an
  assumed-role session's ARN (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`:
  that session only).

ARNs are compared whole (AWS accepts no wildcard in them but `"*"` alone);
`Service`, `Federated` and `CanonicalUser` principals name no IAM user or
role session. An AWS service acting for the account (CloudTrail writing its
logs to a bucket) is named by `{"Service": "cloudtrail.amazonaws.com"}`, or
by `"*"`. How a principal was named matters to the decision
(`grader.policy.resource`), so `how_named` says it: `NAMED` (the principal
itself, or everyone), `ROLE` (its role) or `ACCOUNT` (its account).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NAMED = "named"
ROLE = "role"
ACCOUNT = "account"


@dataclass(frozen=True)
class Principal:
    """Who makes a request, as a resource-based policy can name it.

    `arn`: the user's ARN, the session's `assumed-role` ARN, or root's ARN;
    `role_arn`: for a role session, the ARN of its role; `service`: for an AWS
    service principal ("cloudtrail.amazonaws.com"), its name (and `arn` is empty)."""

    arn: str
    account_id: str
    role_arn: str | None = None
    service: str | None = None


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _aws_principals(element: Any) -> list[str]:
    """The AWS principals an element lists (`"*"` alone stands for all of them)."""
    if element == "*":
        return ["*"]
    if isinstance(element, dict):
        return _values(element.get("AWS"))
    return []


def how_named(element: Any, principal: Principal) -> str | None:
    """How a `Principal` element names `principal`: NAMED, ROLE, ACCOUNT, or None."""
    if principal.service is not None:
        services = _values(element.get("Service")) if isinstance(element, dict) else []
        return NAMED if element == "*" or principal.service in services else None
    found: str | None = None
    account_forms = {principal.account_id, f"arn:aws:iam::{principal.account_id}:root"}
    for value in _aws_principals(element):
        if value in {"*", principal.arn}:
            return NAMED
        if principal.role_arn is not None and value == principal.role_arn:
            found = ROLE
        elif value in account_forms and found is None:
            found = ACCOUNT
    return found


def statement_names(statement: dict[str, Any], principal: Principal) -> str | None:
    """How a resource-based policy's statement names `principal` (None: it does not).

    `NotPrincipal` names everyone it does not list, as `"*"` would."""
    if "Principal" in statement:
        return how_named(statement["Principal"], principal)
    if "NotPrincipal" in statement:
        return None if how_named(statement["NotPrincipal"], principal) else NAMED
    return None
