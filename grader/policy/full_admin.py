"""Does a set of identity policies grant full administrator access? One answer, evaluated
as IAM evaluates a request (`grader.policy.evaluate.applies`), for the checks and the
account alike.

"Full administrator" is what AWS's AdministratorAccess grants: every action on every
resource. A set of policies grants it when every action on every resource is allowed to
an admin who signs in with MFA, over TLS (as every AWS API request is), and:

- an Allow counts only when it needs neither MFA nor anything else of the request: it
  must apply to a request with no MFA (`PLAIN`), so that 03's admin is one before 04
  asks for MFA; an Allow with any other condition does not count;
- a Deny takes something away when it applies to the admin's request with MFA over TLS
  (`ADMIN`): 04's "deny without MFA" and AWS's own "deny when not over TLS" do not; a
  Deny with a condition on anything else of the request is taken as taking something
  away (it does, for some request);
- a document with a `Principal` or `NotPrincipal` is not an identity policy at all: IAM
  refuses it ("Policy document should not specify a principal"), so it grants nothing.

"Every action on every resource" is decided by probing: each pattern the statements name
(Action, NotAction, Resource, NotResource) made concrete, each service they name with an
action no statement names, and an action and a resource that nothing names. Statements
decide by which of their patterns match, so a probe of each pattern, and of what no
pattern matches, meets every case: `NotAction: iam:*` with `Action: iam:*` beside it is
full admin; `NotAction: iam:*` alone is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from grader.policy.document import parse_document, statements
from grader.policy.document import values as _values
from grader.policy.evaluate import Request, applies

MFA_KEYS = frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage"})
KNOWN_KEYS = MFA_KEYS | {"aws:securetransport"}
# The admin's own request: signed in with MFA just now, over TLS.
ADMIN = {"aws:SecureTransport": "true", "aws:MultiFactorAuthPresent": "true",
         "aws:MultiFactorAuthAge": "0"}
# A request with nothing asked of it: over TLS, no MFA.
PLAIN = {"aws:SecureTransport": "true"}
NOBODYS_ACTION = "zz9unnamed:Zz9Action"
NOBODYS_RESOURCE = "arn:aws:zz9unnamed:us-east-1:000000000000:zz9/zz9"
_VARIABLE = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class Verdict:
    """Whether the policies grant full admin, and if not, why (for a learner)."""

    full_admin: bool
    reason: str = ""


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return set()
    return {str(key).lower() for block in condition.values() if isinstance(block, dict)
            for key in block}


def _concrete(pattern: str) -> str:
    return _VARIABLE.sub("zz9", pattern).replace("*", "zz9").replace("?", "z")


def _action_probes(every: list[dict[str, Any]]) -> list[str]:
    """The unnamed action first: what most policies that are not full admin fail on."""
    probes: set[str] = set()
    for statement in every:
        for pattern in _values(statement.get("Action")) + _values(statement.get("NotAction")):
            probes.add(_concrete(pattern))
            service = pattern.split(":", 1)[0]
            if ":" in pattern and "*" not in service and "?" not in service:
                probes.add(f"{service}:Zz9Unnamed")
    return [NOBODYS_ACTION, *sorted(probes - {NOBODYS_ACTION})]


def _resource_probes(every: list[dict[str, Any]]) -> list[str]:
    probes = {NOBODYS_RESOURCE}
    for statement in every:
        for pattern in _values(statement.get("Resource")) + _values(statement.get("NotResource")):
            probes.add(_concrete(pattern))
    return sorted(probes)


def _identity_statements(documents: Iterable[Any]) -> tuple[list[dict[str, Any]], bool]:
    """The statements of the valid identity policies, and whether any document was not one
    (it names a principal)."""
    kept: list[dict[str, Any]] = []
    invalid = False
    for document in documents:
        found = statements(parse_document(document))
        if any("Principal" in s or "NotPrincipal" in s for s in found):
            invalid = True
            continue
        kept += found
    return kept, invalid


def _probes(every: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    resources = _resource_probes(every)
    for action in _action_probes(every):
        for resource in resources:
            yield action, resource


def full_admin(documents: Iterable[Any]) -> Verdict:
    """Whether these identity policies together grant every action on every resource (to
    an admin who uses MFA, when a Deny asks for it), and if not, why."""
    every, invalid = _identity_statements(documents)
    if not every:
        return Verdict(False, "its policy names a Principal, which an identity policy may "
                              "not (IAM refuses it)" if invalid else "it has no permissions policy")
    allows = sorted((s for s in every if s.get("Effect") == "Allow"
                     and _condition_keys(s) <= KNOWN_KEYS),
                    key=lambda s: "*" not in _values(s.get("Action")))  # the broadest first
    denies = [s for s in every if s.get("Effect") == "Deny"]
    for action, resource in _probes(every):
        for deny in denies:
            unknown = not _condition_keys(deny) <= KNOWN_KEYS
            judged = {**deny, "Condition": {}} if unknown else deny
            if applies(judged, Request(action, resource, ADMIN)):
                return Verdict(False, f"a statement denies some actions ({_named(deny)})")
        if not any(applies(s, Request(action, resource, PLAIN)) for s in allows):
            return Verdict(False, _why_not_allowed(every, action))
    return Verdict(True)


def _named(statement: dict[str, Any]) -> str:
    """What a statement is about, as its author wrote it: "s3:* on arn:aws:s3:::logs*"."""
    actions = ", ".join(_values(statement.get("Action"))) or \
        "all but " + ", ".join(_values(statement.get("NotAction")))
    resources = ", ".join(_values(statement.get("Resource"))) or \
        "all but " + ", ".join(_values(statement.get("NotResource")))
    condition = " under a condition" if statement.get("Condition") else ""
    return f"{actions} on {resources}{condition}"


def _why_not_allowed(every: list[dict[str, Any]], action: str) -> str:
    allows = [s for s in every if s.get("Effect") == "Allow"]
    if any(s.get("Condition") for s in allows if "*" in _values(s.get("Action"))):
        return "its allow-everything statement has a condition"
    if not any(applies({**s, "Resource": "*", "Condition": {}}, Request(action))
               for s in allows if "NotResource" not in s):
        if any("NotAction" in s for s in allows):
            return f"it allows everything except some actions (NotAction): nothing allows {action}"
        return f"it allows only some actions, not \"Action\": \"*\" (nothing allows {action})"
    return "it allows all actions only on some resources, not \"Resource\": \"*\""


def grants_full_admin(documents: Iterable[Any]) -> bool:
    return full_admin(documents).full_admin


def why_not_full_admin(documents: Iterable[Any]) -> str:
    """A learner-readable reason why these policies are not full admin ("" when they are)."""
    return full_admin(documents).reason
