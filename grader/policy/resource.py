"""A resource-based policy (such as a role's trust policy) with the principal's own policies.

Within one account (IAM User Guide, "Policy evaluation logic" and "Policy
evaluation for requests within a single account"):

- an explicit Deny in any policy wins: the resource-based policy, the
  identity policies, the permissions boundary, the session policies;
- a resource-based policy that names the principal itself (its user ARN, its
  session's ARN, or everyone) allows the request on its own: no identity
  policy needs to, and an implicit deny in a permissions boundary does not
  limit it;
- one that names a session's role (the role's ARN) allows it too, but the
  role's permissions boundary and the session policies still limit it;
- one that names the account delegates: the principal's identity policies
  (within its boundary and session policies) must allow the request;
- otherwise the identity policies decide, except where the resource-based
  policy must allow the request itself: "IAM role trust policies and KMS key
  policies are exceptions to this logic, because they must explicitly allow
  access for principals" (`must_allow=True`).

A resource-based policy's statements have a `Principal` (or `NotPrincipal`);
a statement without `Resource` (a trust policy has none) is about the
resource the policy is attached to.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from grader.policy.document import parse_document, statements
from grader.policy.evaluate import Decision, Request, applies, decide, evaluate
from grader.policy.principals import ACCOUNT, NAMED, ROLE, Principal, statement_names

_STRENGTH = {NAMED: 3, ROLE: 2, ACCOUNT: 1}


def resource_policy_decision(document: Any, request: Request,
                             principal: Principal) -> tuple[Decision, str | None]:
    """The resource-based policy on its own: (its decision, how its strongest allowing
    statement names the principal: NAMED, ROLE, ACCOUNT, or None)."""
    allows: list[dict[str, Any]] = []
    strongest: str | None = None
    for statement in statements(parse_document(document)):
        named = statement_names(statement, principal)
        if named is None:
            continue
        about = statement if "Resource" in statement or "NotResource" in statement \
            else {**statement, "Resource": "*"}
        if not applies(about, request):
            continue
        if statement.get("Effect") == "Deny":
            return Decision("explicitDeny", (statement,), "resource"), None
        if statement.get("Effect") == "Allow":
            allows.append(statement)
            if strongest is None or _STRENGTH[named] > _STRENGTH[strongest]:
                strongest = named
    if not allows:
        return Decision("implicitDeny", by="resource"), None
    return Decision("allowed", tuple(allows), "resource"), strongest


def evaluate_with_resource_policy(
        policies: Iterable[Any], request: Request, principal: Principal,
        resource_policy: Any, boundary: Iterable[Any] | None = None,
        session: Iterable[Any] | None = None, must_allow: bool = False) -> Decision:
    """AWS's decision, within one account, for a request on a resource that has a
    resource-based policy: `policies` are the principal's identity policies,
    `boundary` its permissions boundary and `session` its session policies (None:
    none); `must_allow` for a role's trust policy, which must allow the request."""
    boundary = None if boundary is None else list(boundary)
    session = None if session is None else list(session)
    resource, named = resource_policy_decision(resource_policy, request, principal)
    if resource.decision == "explicitDeny":
        return resource
    own = evaluate(list(policies), request, boundary, session)
    if own.decision == "explicitDeny":
        return own
    if named == NAMED:
        return resource
    if named == ROLE:
        for by, limit in (("boundary", boundary), ("session", session)):
            if limit is not None and not decide(limit, request, by).allowed:
                return Decision("implicitDeny", by=by)
        return resource
    if named is None and must_allow:
        return resource
    return own
