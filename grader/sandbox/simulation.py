"""IAM SimulatePrincipalPolicy, which moto lacks, answered by `grader.policy`.

`aws iam simulate-principal-policy --policy-source-arn USER_ARN --action-names
iam:CreateUser --context-entries ...` evaluates the user's own and its groups'
policies, inline and managed, under its permissions boundary, as AWS's policy
simulator does. `${aws:username}` is the simulated user's name unless given.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.iam.exceptions import IAMException, NotFoundException
from moto.iam.models import IAMBackend, Policy
from moto.iam.responses import IamResponse

from grader.policy import Request, evaluate


class InvalidInput(IAMException):
    code = "InvalidInput"


def _default_document(policy: Policy) -> str:
    version = next(v for v in policy.versions if v.version_id == policy.default_version_id)
    return str(version.document)


def _documents_of_user(backend: IAMBackend, user_name: str) -> tuple[list[Any], list[Any] | None]:
    user = backend.get_user(user_name)
    documents: list[Any] = list(user.policies.values())
    documents += [_default_document(p) for p in user.managed_policies.values()]
    for group in backend.get_groups_for_user(user_name):
        documents += list(group.policies.values())
        documents += [_default_document(p) for p in group.managed_policies.values()]
    boundary_arn = getattr(user, "permissions_boundary_arn", None)
    boundary = [_default_document(backend.get_policy(boundary_arn))] if boundary_arn else None
    return documents, boundary


def _context(entries: list[dict[str, Any]], user_name: str) -> dict[str, str | list[str]]:
    context: dict[str, str | list[str]] = {"aws:username": user_name}
    for entry in entries or []:
        values = [str(v) for v in entry.get("ContextKeyValues", [])]
        context[entry["ContextKeyName"]] = values if len(values) != 1 else values[0]
    return context


def simulate_principal_policy(self: IamResponse) -> ActionResult:
    source = self._get_param("PolicySourceArn") or ""
    if ":user/" not in source:
        raise InvalidInput("The simulated account simulates IAM users only "
                           f"(PolicySourceArn {source!r}).")
    user_name = source.rsplit("/", 1)[-1]
    try:
        documents, boundary = _documents_of_user(self.backend, user_name)
    except NotFoundException:
        raise NotFoundException(f"The user with name {user_name} cannot be found.") from None
    documents += list(self._get_param("PolicyInputList") or [])
    boundary = list(self._get_param("PermissionsBoundaryPolicyInputList") or []) or boundary
    context = _context(self._get_param("ContextEntries") or [], user_name)
    results = []
    for action in self._get_param("ActionNames") or []:
        for resource in self._get_param("ResourceArns") or ["*"]:
            decision = evaluate(documents, Request(action, resource, context), boundary)
            results.append({
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": decision.decision,
                "MatchedStatements": [{"SourcePolicyId": str(s.get("Sid", ""))}
                                      for s in decision.matched],
                "MissingContextValues": [],
            })
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


def install() -> None:
    IamResponse.simulate_principal_policy = simulate_principal_policy  # type: ignore[attr-defined]
