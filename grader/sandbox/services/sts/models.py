"""STS as AWS has it where moto differs: who may assume a role, and the sessions it issues.

moto 5.2.5's AssumeRole hands a session to any caller, for any role ARN,
existing or not, in any account, and its session tokens come from
`os.urandom` (a replayed account would hand out other tokens). Here, as on
AWS (STS API Reference, AssumeRole; IAM User Guide, "Policy evaluation
logic" and "Methods to assume a role"):

- the root user may not assume a role: AccessDenied, "Roles may not be
  assumed by root accounts.";
- the role must exist in this account, and its trust policy must allow the
  caller, with the caller's own policies as AWS combines them within one
  account (`grader.policy.evaluate_with_resource_policy`, `must_allow`: a
  trust policy must allow the caller itself): else AccessDenied, "User: ARN
  is not authorized to perform: sts:AssumeRole on resource: ROLE_ARN";
- DurationSeconds (3600 when not given) may not exceed the role's
  MaxSessionDuration, nor one hour when a session assumes a role (role
  chaining: a role session, or GetSessionToken's credentials): ValidationError,
  in AWS's words;
- with SerialNumber and TokenCode, the caller's MFA code is checked
  (`session_tokens.check_mfa`): the request's context then has
  `aws:MultiFactorAuthPresent` "true", so that a trust policy requiring MFA
  trusts it, and the session is MFA-authenticated, as is one begun from an
  MFA-authenticated GetSessionToken session (its MFA age counts from that
  session's code);
- the session keeps its session policies (`Policy`, `PolicyArns`), which
  narrow what the role allows; managed session policies are read when a
  request is authorized (one that no longer exists allows nothing);
- it keeps who assumed it (`assumed_by`) and who is behind it (`source`: root
  or the IAM user at the start of a chain of roles);
- its token, like its key and secret, comes from moto's seeded random
  (`mock_random`), so that replaying the record gives the same session.

Sessions are kept on moto's STSBackend for the account's life: requests
signed with their keys are authorized with them
(`grader.sandbox.front_desk.authorization`), and CloudTrail's record reads them
(`userIdentity` and AssumeRole's `responseElements`).

Not modelled: session tags, SourceIdentity.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto.iam.exceptions import NotFoundException
from moto.iam.models import IAMBackend, Role
from moto.moto_api._internal import mock_random
from moto.sts.exceptions import STSClientError, STSValidationError
from moto.sts.models import AssumedRole, STSBackend
from moto.sts.utils import SESSION_TOKEN_PREFIX
from werkzeug.exceptions import HTTPException

from grader.policy import Principal, Request, evaluate_with_resource_policy, parse_document
from grader.sandbox.front_desk.aws_errors import error_response
from grader.sandbox.history.record import REPLAYING
from grader.sandbox.services.iam.models import default_document, policies_of_user

if TYPE_CHECKING:
    from grader.sandbox.front_desk.callers import Caller

ROOT_REFUSED = "Roles may not be assumed by root accounts."
DEFAULT_DURATION = 3600
CHAINED_MAXIMUM = 3600
TOO_LONG = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
TOO_LONG_CHAINED = ("The requested DurationSeconds exceeds the 1 hour session limit for "
                    "roles assumed by role chaining.")


@dataclass(frozen=True)
class Session:
    """One role session that AssumeRole issued, with what AWS keeps about it."""

    access_key_id: str
    session_token: str
    name: str  # RoleSessionName
    account_id: str
    role_arn: str
    role_id: str  # the role's unique id (AROA...): a role deleted and made again is another
    created: dt.datetime
    expires: dt.datetime
    caller_key: str  # the key that signed the AssumeRole request
    assumed_by: str  # the ARN of that caller: an IAM user, or a role session (chaining)
    source: str  # the ARN of the long-term identity behind: root, or an IAM user
    chained: bool
    mfa: bool
    policy: str | None  # the inline session policy
    policy_arns: tuple[str, ...]  # managed session policies
    mfa_at: dt.datetime | None = None  # when the MFA code behind it was checked

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def arn(self) -> str:
        return f"arn:aws:sts::{self.account_id}:assumed-role/{self.role_name}/{self.name}"

    @property
    def principal_id(self) -> str:
        """`aws:userid` and CloudTrail's `principalId`: "ROLEID:SESSION"."""
        return f"{self.role_id}:{self.name}"

    def principal(self) -> Principal:
        return Principal(self.arn, self.account_id, self.role_arn)


class MalformedPolicyDocument(STSClientError):
    """A session policy that is not a JSON policy document (HTTP 400). AWS's message is
    its JSON parser's ("Unexpected character ..."); this one is the simulated account's."""

    code = "MalformedPolicyDocument"


class AccessDenied(HTTPException):
    """STS's AccessDenied (HTTP 403), as AWS words it."""

    code = 403

    def __init__(self, message: str) -> None:
        super().__init__(error_response("sts", 403, "AccessDenied", message).get_data(True))

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("Content-Type", "text/xml")]


def kept_on(backend: STSBackend, attribute: str) -> dict[str, Any]:
    """A dict the simulated account keeps on one account's STS backend (made when first
    asked for), dropped with moto's state on a reset."""
    found = getattr(backend, attribute, None)
    if not isinstance(found, dict):
        found = {}
        setattr(backend, attribute, found)
    return found


def sessions(backend: STSBackend) -> dict[str, Session]:
    """The sessions one account's STS issued, by access key id."""
    return kept_on(backend, "sessions")


def sts_backend(account_id: str) -> STSBackend:
    from moto.sts.models import sts_backends

    return sts_backends[account_id]["aws"]


def session_for_key(account_id: str, access_key_id: str) -> Session | None:
    """The session whose temporary key this is (None for any other key)."""
    return sessions(sts_backend(account_id)).get(access_key_id)


def issued_by(account_id: str, caller_key: str, moment: dt.datetime) -> Session | None:
    """The session that the AssumeRole request signed with `caller_key` at `moment`
    issued (None if it issued none)."""
    return next((s for s in sessions(sts_backend(account_id)).values()
                 if s.caller_key == caller_key and s.created == moment), None)


def seeded_session_token() -> str:
    """A session token as moto makes them (`random_session_token`), but from moto's
    seeded random instead of `os.urandom`: the same again when the record is replayed."""
    random_bytes = mock_random.getrandbits(266 * 8).to_bytes(266, "little")
    return SESSION_TOKEN_PREFIX + base64.b64encode(random_bytes)[len(SESSION_TOKEN_PREFIX):] \
        .decode()


# -- the policies of a session ------------------------------------------------

def role_policies(iam: IAMBackend, role: Role) -> tuple[list[Any], list[Any] | None]:
    """(identity policy documents, permissions boundary documents or None) of a role."""
    documents: list[Any] = list(role.policies.values())
    documents += [default_document(p) for p in role.managed_policies.values()]
    boundary_arn = role.permissions_boundary_arn
    boundary = None
    if boundary_arn:
        try:
            boundary = [default_document(iam.get_policy(boundary_arn))]
        except NotFoundException:
            boundary = []  # a boundary that no longer exists allows nothing
    return documents, boundary


def session_policies(iam: IAMBackend, session: Session) -> list[Any] | None:
    """The session policies of a session (None when it was given none)."""
    if session.policy is None and not session.policy_arns:
        return None
    documents: list[Any] = [session.policy] if session.policy is not None else []
    for arn in session.policy_arns:
        try:
            documents.append(default_document(iam.get_policy(arn)))
        except NotFoundException:
            continue
    return documents


def the_role(iam: IAMBackend, session: Session) -> Role | None:
    """The session's role, if it still exists (the same role, not one made again)."""
    try:
        role = iam.get_role_by_arn(session.role_arn)
    except NotFoundException:
        return None
    return role if role.id == session.role_id else None


def policies_of_session(iam: IAMBackend, session: Session
                        ) -> tuple[list[Any], list[Any] | None, list[Any] | None]:
    """(the role's identity policies, its boundary, the session policies): what a
    request signed with the session's key is authorized with."""
    role = the_role(iam, session)
    documents, boundary = role_policies(iam, role) if role is not None else ([], None)
    return documents, boundary, session_policies(iam, session)


# -- AssumeRole -----------------------------------------------------------------

def _not_authorized(caller: Caller, role_arn: str) -> AccessDenied:
    return AccessDenied(f"User: {caller.arn} is not authorized to perform: sts:AssumeRole "
                        f"on resource: {role_arn}")


def _find_role(iam: IAMBackend, role_arn: str) -> Role | None:
    try:
        return iam.get_role_by_arn(role_arn)
    except NotFoundException:
        return None


def _trusts(iam: IAMBackend, caller: Caller, role: Role,
            context: Mapping[str, str | list[str]]) -> bool:
    """Whether the role's trust policy, with the caller's own policies, lets the
    caller assume the role."""
    request = Request("sts:AssumeRole", role.arn, context)
    if caller.kind == "IAMUser":
        documents, boundary = policies_of_user(iam, str(caller.name))
        principal = Principal(str(caller.arn), iam.account_id)
        session_documents = None
    else:
        session = session_for_key(iam.account_id, str(caller.access_key_id))
        if session is None:
            return False
        documents, boundary, session_documents = policies_of_session(iam, session)
        principal = session.principal()
    decision = evaluate_with_resource_policy(
        documents, request, principal, role.assume_role_policy_document, boundary,
        session_documents, must_allow=True)
    return decision.allowed


def _duration(role: Role, requested: int | None, chained: bool) -> int:
    duration = requested if requested is not None else DEFAULT_DURATION
    if duration > int(role.max_session_duration or DEFAULT_DURATION):
        raise STSValidationError(TOO_LONG)
    if chained and duration > CHAINED_MAXIMUM:
        raise STSValidationError(TOO_LONG_CHAINED)
    return duration


def _check_session_policy(policy: str | None) -> None:
    if policy is None:
        return
    try:
        parse_document(policy)
    except ValueError as error:
        raise MalformedPolicyDocument(
            f"The session policy is not a JSON policy document: {error}") from None


def chains(caller: Caller) -> bool:
    """Whether AssumeRole by this caller is role chaining: any session's credentials."""
    return caller.session_token is not None


def _source(caller: Caller, account_id: str) -> str:
    if caller.kind == "AssumedRole":
        session = session_for_key(account_id, str(caller.access_key_id))
        return session.source if session is not None else str(caller.arn)
    return str(caller.arn)


def assume_role(backend: STSBackend, iam: IAMBackend, caller: Caller, region: str,
                role_arn: str, session_name: str, duration: int | None, policy: str | None,
                policy_arns: list[str], external_id: str | None,
                context: Mapping[str, str | list[str]],
                mfa_at: dt.datetime | None = None) -> AssumedRole:
    """AssumeRole as AWS answers it: the refusals above, else a session, kept.

    `context`: the request context of the caller's request (`sts:ExternalId` and
    `sts:RoleSessionName` included); `mfa_at`: when the MFA code behind the request
    was checked (None: no MFA). A request replayed from the record is not judged
    again: it was accepted when it was made."""
    chained = chains(caller)
    role = _find_role(iam, role_arn)
    if not REPLAYING.get():
        if caller.kind == "Root":
            raise AccessDenied(ROOT_REFUSED)
        if role is None or caller.kind not in {"IAMUser", "AssumedRole"} \
                or not _trusts(iam, caller, role, context):
            raise _not_authorized(caller, role_arn)
        duration = _duration(role, duration, chained)
        _check_session_policy(policy)
    elif role is None:
        raise _not_authorized(caller, role_arn)
    duration = duration if duration is not None else DEFAULT_DURATION
    assumed = backend.assume_role(region_name=region, role_session_name=session_name,
                                  role_arn=role.arn, policy=policy or "", duration=duration,
                                  external_id=external_id or "")
    now = dt.datetime.now(dt.UTC)
    sessions(backend)[assumed.access_key_id] = Session(
        access_key_id=assumed.access_key_id, session_token=assumed.session_token,
        name=session_name, account_id=iam.account_id, role_arn=role.arn, role_id=role.id,
        created=now, expires=now + dt.timedelta(seconds=duration),
        caller_key=str(caller.access_key_id), assumed_by=str(caller.arn),
        source=_source(caller, iam.account_id), chained=chained, mfa=mfa_at is not None,
        policy=policy, policy_arns=tuple(policy_arns), mfa_at=mfa_at)
    return assumed

