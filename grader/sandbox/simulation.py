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
from moto.iam.responses import IamResponse

from grader.policy import Request, evaluate
from grader.sandbox.principal_policies import policies_of_user


class InvalidInput(IAMException):
    code = "InvalidInput"


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
        documents, boundary = policies_of_user(self.backend, user_name)
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
