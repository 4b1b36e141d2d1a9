"""Evaluating identity policies, a permissions boundary and session policies for one request.

The three layers intersect (IAM User Guide, "Policy evaluation logic"): a
request is allowed when the identity policies allow it, and the permissions
boundary (if the principal has one) allows it, and the session policies (if
the session has any) allow it; an explicit Deny in any of them wins.
`Decision.by` says which layer decided a refusal, for AWS's messages
("... because no session policy allows the iam:CreateUser action").
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from grader.policy.conditions import Context, conditions_hold
from grader.policy.document import parse_document, statements

_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}
_MISSING = "\x00no such variable\x00"


@dataclass(frozen=True)
class Request:
    """One action on one resource, with the request context (condition keys)."""

    action: str  # "iam:CreateUser"
    resource: str = "*"
    context: Mapping[str, str | list[str]] = field(default_factory=dict)

    def keys(self) -> Context:
        return {k.lower(): (v if isinstance(v, list) else [v]) for k, v in self.context.items()}


@dataclass(frozen=True)
class Decision:
    """AWS's answer: "allowed", "explicitDeny" or "implicitDeny", and why.

    `matched`: the statements that decided (the allowing ones, or the Deny);
    `by`: the kind of policy that decided: "identity", "boundary" (permissions
    boundary), "session" (session policies) or "resource" (a resource-based
    policy, such as a role's trust policy)."""

    decision: str
    matched: tuple[dict[str, Any], ...] = ()
    by: str = "identity"

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"


def _patterns(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _substituter(context: Context) -> Any:
    def substitute(text: str) -> str:
        def one(found: re.Match[str]) -> str:
            name = found.group(1)
            if name in _SPECIAL:
                return _SPECIAL[name]
            values = context.get(name.lower())
            return values[0] if values else _MISSING

        return _VARIABLE.sub(one, text)

    return substitute


def _action_matches(patterns: list[str], action: str) -> bool:
    return any(fnmatch.fnmatchcase(action.lower(), p.lower().replace("[", "[[]"))
               for p in patterns)


def _resource_matches(patterns: list[str], resource: str, substitute: Any) -> bool:
    for pattern in patterns:
        concrete = substitute(pattern)
        if _MISSING in concrete:
            continue
        if concrete == "*" or fnmatch.fnmatchcase(resource, concrete.replace("[", "[[]")):
            return True
    return False


def applies(statement: dict[str, Any], request: Request) -> bool:
    """Does this statement speak about this request (action, resource, conditions)?"""
    context = request.keys()
    substitute = _substituter(context)
    if "Action" in statement:
        if not _action_matches(_patterns(statement["Action"]), request.action):
            return False
    elif "NotAction" in statement:
        if _action_matches(_patterns(statement["NotAction"]), request.action):
            return False
    else:
        return False
    if "Resource" in statement:
        if not _resource_matches(_patterns(statement["Resource"]), request.resource, substitute):
            return False
    elif "NotResource" in statement:
        if _resource_matches(_patterns(statement["NotResource"]), request.resource, substitute):
            return False
    else:
        return False
    return conditions_hold(statement.get("Condition") or {}, context, substitute)


def decide(documents: Iterable[Any], request: Request, by: str = "identity") -> Decision:
    """One kind of policy on its own: an applicable Deny, else an applicable Allow."""
    allows: list[dict[str, Any]] = []
    for document in documents:
        for statement in statements(parse_document(document)):
            if not applies(statement, request):
                continue
            if statement.get("Effect") == "Deny":
                return Decision("explicitDeny", (statement,), by)
            if statement.get("Effect") == "Allow":
                allows.append(statement)
    return Decision("allowed", tuple(allows), by) if allows else Decision("implicitDeny", by=by)


def evaluate(policies: Iterable[Any], request: Request,
             boundary: Iterable[Any] | None = None,
             session: Iterable[Any] | None = None) -> Decision:
    """AWS's decision for `request` under these identity policies, within the
    permissions boundary and the session policies when there are (None: none)."""
    layers = [decide(policies, request)]
    if boundary is not None:
        layers.append(decide(boundary, request, "boundary"))
    if session is not None:
        layers.append(decide(session, request, "session"))
    denied = next((layer for layer in layers if layer.decision == "explicitDeny"), None)
    if denied is not None:
        return denied
    missing = next((layer for layer in layers if not layer.allowed), None)
    return missing if missing is not None else layers[0]
