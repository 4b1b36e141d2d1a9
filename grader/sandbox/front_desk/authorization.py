"""Authorizing IAM users' and role sessions' requests, as AWS does: a principal may do
only what its policies allow.

The root user is never limited; the grader is not an IAM identity. A request
is evaluated with `grader.policy` for the IAM action it needs, on the
resource it names (the user, group, role, policy or bucket in its
parameters), with the request context AWS would give it (`request_context`):

- an IAM user's long-term key: its policies and its groups' (and the
  password policy's grants), within its permissions boundary; no
  `aws:MultiFactorAuthPresent` (AWS leaves it out for long-term keys);
- the temporary key of the user's GetSessionToken session: the same
  policies, with `aws:MultiFactorAuthPresent` "true" and
  `aws:MultiFactorAuthAge` (seconds since its MFA code was checked) when the
  session is MFA-authenticated, "false" when not, and `aws:TokenIssueTime`;
- a role session's temporary key: the role's inline and attached policies,
  within the role's permissions boundary, and the session policies given to
  AssumeRole (the intersection); `aws:PrincipalArn` is the role's ARN,
  `aws:userid` "ROLEID:SESSION", `aws:MultiFactorAuthPresent` "true" (with
  `aws:MultiFactorAuthAge`) when MFA authenticated the AssumeRole, "false"
  when not.

Any session (root's GetSessionToken session too) past its expiration, on the
account's clock (the request's moment), is refused with AWS's ExpiredToken;
and what AWS never lets a session's credentials call is refused before any
policy is read (`grader.sandbox.services.sts.session_tokens.refused_call`: IAM without
MFA, most of STS).

sts:AssumeRole is decided by STS itself, with the role's trust policy
(`grader.sandbox.services.sts.models`). A request replayed from the record is not
judged again: it was accepted when it was made (`REPLAYING`).

Refusals are AWS's: AccessDenied (AccessDeniedException for JSON services,
"Access Denied" for S3) saying which kind of policy refused, in the words of
the IAM User Guide's "Troubleshooting access denied error messages"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from moto.iam.models import IAMBackend
from werkzeug.wrappers import Response

from grader.policy import Decision, Principal, Request, evaluate
from grader.sandbox.front_desk import aws_errors
from grader.sandbox.front_desk.callers import Caller
from grader.sandbox.history.record import REPLAYING
from grader.sandbox.services.billing import models as billing
from grader.sandbox.services.iam.models import policies_of_user
from grader.sandbox.services.sts.models import Session, policies_of_session, session_for_key
from grader.sandbox.services.sts.session_tokens import refused_call, user_session_for_key

# The callers whose requests their policies decide (root is never limited).
AUTHORIZED = frozenset({"IAMUser", "AssumedRole"})

# Calls AWS allows to any authenticated principal, whatever its policies say
# ("You cannot use policies to control authentication operations").
ALWAYS_ALLOWED = frozenset({("sts", "GetCallerIdentity"), ("sts", "GetSessionToken")})

# Calls the service itself authorizes: a role's trust policy decides who assumes it.
DECIDED_BY_THE_SERVICE = frozenset({("sts", "AssumeRole")})

EXPIRED = "The security token included in the request is expired"

def action_name(service: str, operation: str) -> str:
    """The IAM action a request needs: as its service declares it (`iam_actions`), else
    the operation's own name."""
    from grader.sandbox.services.registry import by_signing_name

    declared = by_signing_name().get(service)
    actions = declared.service.iam_actions if declared is not None else {}
    return f"{service}:{actions.get(operation, operation)}"


def resource_arn(service: str, operation: str, params: dict[str, Any], account_id: str,
                 caller_name: str) -> str:
    """The resource a request acts on, as IAM policies name it: as its service declares it
    (`resource_arn`), "*" for a service that declares none or that moto serves as it is."""
    from grader.sandbox.services.registry import by_signing_name

    declared = by_signing_name().get(service)
    if declared is None or declared.service.resource_arn is None:
        return "*"
    return declared.service.resource_arn(operation, params, account_id, caller_name)


def _zulu(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def request_context(iam: IAMBackend, caller: Caller, region: str, source_ip: str,
                    now: dt.datetime) -> dict[str, str | list[str]]:
    """The global condition keys AWS puts in the context of this caller's request."""
    context: dict[str, str | list[str]] = {
        "aws:PrincipalAccount": iam.account_id,
        "aws:SourceIp": source_ip,
        "aws:RequestedRegion": region,
        # The account is reached on this machine only (127.0.0.1), in plain HTTP; the same
        # requests to AWS go over TLS, always, from the CLI and the SDKs. A bucket policy
        # that denies requests without TLS (AWS's own advice) must let them through here too.
        "aws:SecureTransport": "true",
        "aws:CurrentTime": _zulu(now),
        "aws:EpochTime": str(int(now.timestamp())),
    }
    if caller.kind == "IAMUser":
        context.update({
            "aws:username": str(caller.name),
            "aws:userid": str(caller.principal_id),
            "aws:PrincipalArn": str(caller.arn),
            "aws:PrincipalType": "User",
        })
    elif caller.kind == "AssumedRole":
        session = session_for_key(iam.account_id, str(caller.access_key_id))
        if session is not None:
            context.update({
                "aws:userid": session.principal_id,
                "aws:PrincipalArn": session.role_arn,
                "aws:PrincipalType": "AssumedRole",
                "aws:TokenIssueTime": _zulu(session.created),
            })
            context.update(_mfa_keys(session.mfa_at if session.mfa else None, now))
    elif caller.kind == "Root":
        context.update({
            "aws:userid": iam.account_id,
            "aws:PrincipalArn": str(caller.arn),
            "aws:PrincipalType": "Account",
        })
    own = user_session_for_key(iam.account_id, str(caller.access_key_id)) \
        if caller.temporary and caller.kind in {"IAMUser", "Root"} else None
    if own is not None:
        context["aws:TokenIssueTime"] = _zulu(own.created)
        context.update(_mfa_keys(own.created if own.mfa else None, now))
    return context


def _mfa_keys(authenticated: dt.datetime | None, now: dt.datetime) -> dict[str, str]:
    """A session's MFA keys: present "true" with the age of its code, or "false"."""
    if authenticated is None:
        return {"aws:MultiFactorAuthPresent": "false"}
    age = max(0, int((now - authenticated).total_seconds()))
    return {"aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": str(age)}


def _policies(iam: IAMBackend, caller: Caller, session: Session | None
              ) -> tuple[list[Any], list[Any] | None, list[Any] | None]:
    """(identity policies, permissions boundary, session policies) of the caller."""
    if session is not None:
        return policies_of_session(iam, session)
    documents, boundary = policies_of_user(iam, str(caller.name))
    return documents, boundary, None


def authorize(iam: IAMBackend, caller: Caller, service: str, operation: str,
              params: dict[str, Any], region: str, source_ip: str,
              now: dt.datetime) -> tuple[Decision, str, str] | None:
    """None when the caller's policies allow the request; else (decision, action,
    resource) for the refusal. The session of an AssumedRole caller must be known."""
    if (service, operation) in ALWAYS_ALLOWED | DECIDED_BY_THE_SERVICE or not operation:
        return None
    session = session_for_key(iam.account_id, str(caller.access_key_id)) \
        if caller.kind == "AssumedRole" else None
    action = action_name(service, operation)
    resource = resource_arn(service, operation, params, iam.account_id, str(caller.name))
    documents, boundary, session_documents = _policies(iam, caller, session)
    context = request_context(iam, caller, region, source_ip, now)
    decision = evaluate(documents, Request(action, resource, context), boundary,
                        session_documents)
    return None if decision.allowed else (decision, action, resource)


def expired(iam: IAMBackend, caller: Caller, now: dt.datetime) -> bool:
    """Whether the caller signs with a session's key past its expiration (or with the
    key of a session that is not known)."""
    if not caller.temporary:
        return False
    key = str(caller.access_key_id)
    session = session_for_key(iam.account_id, key) or user_session_for_key(iam.account_id, key)
    return session is None or now >= session.expires


def refusal(iam: IAMBackend, caller: Caller, service: str, operation: str,
            params: dict[str, Any], region: str, source_ip: str,
            now: dt.datetime) -> Response | None:
    """AWS's answer when the caller may not make this request now (None: it may)."""
    if REPLAYING.get():
        return None
    if caller.temporary:
        if expired(iam, caller, now):
            return expired_token(service)
        own = user_session_for_key(iam.account_id, str(caller.access_key_id))
        refused_to_session = refused_call(service, operation, own)
        if refused_to_session is not None:
            return refused_to_session
    if caller.kind not in AUTHORIZED:
        return None
    if billing.gated(service) and not billing.iam_access_enabled(iam):
        code = "AccessDeniedException" if aws_errors.protocol_of(service) == "json" \
            else "AccessDenied"
        return aws_errors.error_response(service, 403, code, billing.OFF_MESSAGE)
    refused = authorize(iam, caller, service, operation, params, region, source_ip, now)
    if refused is None:
        return None
    decision, action, resource = refused
    if service == "s3":
        return aws_errors.error_response(service, 403, "AccessDenied", "Access Denied")
    code = "AccessDeniedException" if aws_errors.protocol_of(service) == "json" \
        else "AccessDenied"
    return aws_errors.error_response(
        service, 403, code, refusal_message(str(caller.arn), action, resource, decision))


_POLICY_KINDS = {
    "identity": "identity-based policy",
    "boundary": "permissions boundary",
    "session": "session policy",
    "resource": "resource-based policy",
}


def refusal_message(user_arn: str, action: str, resource: str, decision: Decision) -> str:
    kind = _POLICY_KINDS.get(decision.by, "identity-based policy")
    article = "an" if kind[0] in "aeiou" else "a"
    why = (f"with an explicit deny in {article} {kind}"
           if decision.decision == "explicitDeny"
           else f"because no {kind} allows the {action} action")
    return f"User: {user_arn} is not authorized to perform: {action} on resource: {resource} {why}"


def expired_token(service: str) -> Response:
    """What AWS answers to a request signed with an expired session's credentials."""
    if service == "s3":
        return aws_errors.error_response(service, 400, "ExpiredToken",
                                         "The provided token has expired.")
    if aws_errors.protocol_of(service) == "json":
        return aws_errors.error_response(service, 400, "ExpiredTokenException", EXPIRED)
    return aws_errors.error_response(service, 403, "ExpiredToken", EXPIRED)


@dataclass(frozen=True)
class Asking:
    """Who makes the request being answered, as a resource policy names them, and the
    request's context: for the resource policies moto applies itself (S3's bucket
    policies, `grader.sandbox.services.s3`)."""

    principal: Principal
    context: dict[str, str | list[str]]


ASKING: ContextVar[Asking | None] = ContextVar("asking", default=None)


def principal_of(iam: IAMBackend, caller: Caller) -> Principal | None:
    """The caller as a resource policy names it (None for the grader's own key)."""
    if caller.kind == "AssumedRole":
        session = session_for_key(iam.account_id, str(caller.access_key_id))
        if session is not None:
            return Principal(arn=session.arn, account_id=iam.account_id,
                             role_arn=session.role_arn)
    if caller.kind in {"IAMUser", "Root", "AssumedRole"} and caller.arn:
        return Principal(arn=str(caller.arn), account_id=iam.account_id)
    return None


@contextmanager
def asking(iam: IAMBackend, caller: Caller, region: str, source_ip: str,
           now: dt.datetime) -> Iterator[None]:
    """Answer a request made by `caller` (`ASKING` says who, meanwhile)."""
    principal = principal_of(iam, caller)
    token = ASKING.set(None if principal is None else Asking(
        principal, request_context(iam, caller, region, source_ip, now)))
    try:
        yield
    finally:
        ASKING.reset(token)
