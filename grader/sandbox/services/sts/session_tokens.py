"""GetSessionToken's sessions: an IAM user's (or root's) own temporary credentials,
with MFA or without.

Kept apart from `models` (AssumeRole's role sessions) for its size. moto
5.2.5 answers GetSessionToken with the example of AWS's documentation (the
same key, secret and token for everyone, which no request can use) and
ignores SerialNumber and TokenCode. Here, as on AWS (STS API Reference,
GetSessionToken; IAM User Guide, "Permissions for GetSessionToken" and
"Configuring MFA-protected API access"):

- an IAM user, or root, calls it with a long-term key; no policy allows or
  refuses it. With the credentials of any session (its own kind or a role's):
  AccessDenied, "Cannot call GetSessionToken with session credentials";
- DurationSeconds: for an IAM user 900 to 129600 seconds (the front desk
  refuses others: `grader.sandbox.front_desk.validation`), 43200 when not given; root's
  session lasts at most an hour, and an hour when not given ("If the
  duration is longer than one hour, the session for AWS account owners
  defaults to one hour");
- with SerialNumber and TokenCode, the device must be the caller's own (one
  an IAM user has enabled; root's, when it has one) and the code right at
  the request's moment (`grader.sandbox.services.iam.mfa`). Else AccessDenied:
  "MultiFactorAuthentication failed, unable to validate MFA code.  Please
  verify your MFA serial number is valid and associated with this user." for
  the device, "MultiFactorAuthentication failed with invalid MFA one time
  pass code." for the code (AssumeRole's MFA is checked the same way);
- the credentials are real: an ASIA... key id, a secret and a session token
  from moto's seeded random, so that replaying the record gives them back.
  A request signed with them is the user's: CloudTrail's userIdentity is the
  IAM user (or root) with the session's key and
  `sessionContext.attributes.mfaAuthenticated`; it is authorized as the
  user's, with `aws:MultiFactorAuthPresent` "true" and
  `aws:MultiFactorAuthAge` (seconds since the code was checked) for an MFA
  session, "false" without (`grader.sandbox.front_desk.authorization`);
- what they may not do (`refused_call`): "You cannot call any IAM API
  operations unless MFA authentication information is included in the
  request" (AWS's answer: InvalidClientTokenId, "The security token included
  in the request is invalid"), and no STS operation but AssumeRole and
  GetCallerIdentity (and three the simulated account does not offer):
  AccessDenied, "Cannot call OPERATION with session credentials";
- past their expiration on the account's clock: ExpiredToken, as a role
  session's.

Sources: the STS API Reference (GetSessionToken, AssumeRole), AWS's answers
quoted by AWS CLI users (aws/aws-cli#6325; lonelyplanet/aws-mfa#21;
99designs/aws-vault#15 and #1056 for IAM calls with such credentials).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from moto.iam.models import IAMBackend, User
from moto.sts.models import STSBackend
from werkzeug.wrappers import Response

from grader.sandbox.clock import machine_time
from grader.sandbox.front_desk import aws_errors
from grader.sandbox.services.iam import mfa
from grader.sandbox.services.iam.models import RootUser, root_of
from grader.sandbox.services.sts.models import (
    AccessDenied,
    kept_on,
    seeded_session_token,
    sts_backend,
)

if TYPE_CHECKING:
    from grader.sandbox.front_desk.callers import Caller

DEFAULT_DURATION = 43200
ROOT_MAXIMUM = 3600
INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."
UNABLE = ("MultiFactorAuthentication failed, unable to validate MFA code.  Please verify "
          "your MFA serial number is valid and associated with this user.")
# STS operations that GetSessionToken's credentials may call (STS API Reference).
STS_ALLOWED = frozenset({"AssumeRole", "GetCallerIdentity", "GetScopedCredentials",
                         "GetWebIdentityToken", "GetDelegatedAccessToken"})
# STS operations that no session's credentials may call.
LONG_TERM_ONLY = frozenset({"GetSessionToken", "GetFederationToken"})


@dataclass(frozen=True)
class UserSession:
    """One session that GetSessionToken issued, with what AWS keeps about it."""

    access_key_id: str
    session_token: str
    account_id: str
    user_name: str | None  # None: root's session
    user_id: str  # the user's unique id (AIDA...); the account id for root
    owner_arn: str  # the IAM user's ARN, or root's
    created: dt.datetime
    expires: dt.datetime
    caller_key: str  # the long-term key that signed GetSessionToken
    mfa_serial: str | None  # the device whose code was checked (None: no MFA)

    @property
    def mfa(self) -> bool:
        return self.mfa_serial is not None


def user_sessions(backend: STSBackend) -> dict[str, UserSession]:
    """The sessions one account's GetSessionToken issued, by access key id."""
    return kept_on(backend, "user_sessions")


def user_session_for_key(account_id: str, access_key_id: str) -> UserSession | None:
    """The GetSessionToken session whose temporary key this is (None for any other key)."""
    return user_sessions(sts_backend(account_id)).get(access_key_id)


def issued_by(account_id: str, caller_key: str, moment: dt.datetime) -> UserSession | None:
    """The session that the GetSessionToken request signed with `caller_key` at
    `moment` issued (None if it issued none)."""
    return next((s for s in user_sessions(sts_backend(account_id)).values()
                 if s.caller_key == caller_key and s.created == moment), None)


def mfa_owner(iam: IAMBackend, caller: Caller) -> User | RootUser | None:
    """Whose MFA devices authenticate this caller: the IAM user's (with its key or its
    GetSessionToken's), root's; None for a role session."""
    if caller.kind == "IAMUser" and caller.name:
        return iam.users.get(caller.name)
    if caller.kind == "Root":
        return root_of(iam)
    return None


def check_mfa(iam: IAMBackend, caller: Caller, serial: str | None, code: str | None,
              now: dt.datetime) -> mfa.Accepted | None:
    """AccessDenied, in AWS's words, unless `code` is now the code of `serial`, one of
    the caller's own MFA devices (GetSessionToken's and AssumeRole's check). The code
    is to be used (`Accepted.use`) once the request succeeds."""
    try:
        return mfa.authenticate(iam, mfa_owner(iam, caller), serial, code, now)
    except mfa.CodeRefused as refused:
        raise AccessDenied(INVALID_CODE if refused.reason == "code" else UNABLE) from None


def duration_of(requested: int | None, root: bool) -> int:
    """How long a session lasts: what was asked (or the default), root's at most an hour."""
    if root:
        return min(requested or ROOT_MAXIMUM, ROOT_MAXIMUM)
    return requested or DEFAULT_DURATION


def get_session_token(backend: STSBackend, iam: IAMBackend, caller: Caller,
                      duration: int | None, serial: str | None,
                      code: str | None) -> tuple[UserSession, str]:
    """GetSessionToken as AWS answers it: the checks above, then a session, kept.
    Returns the session and its secret access key."""
    if caller.session_token is not None or caller.kind not in {"IAMUser", "Root"}:
        raise AccessDenied("Cannot call GetSessionToken with session credentials")
    now = dt.datetime.now(dt.UTC)
    mfa_serial = None
    if serial is not None or code is not None:
        accepted = check_mfa(iam, caller, serial, code, machine_time())
        if accepted is not None:
            accepted.use()
        mfa_serial = serial
    root = caller.kind == "Root"
    key = iam.create_temp_access_key()
    session = UserSession(
        access_key_id=key.access_key_id, session_token=seeded_session_token(),
        account_id=iam.account_id, user_name=None if root else caller.name,
        user_id=str(caller.principal_id), owner_arn=str(caller.arn), created=now,
        expires=now + dt.timedelta(seconds=duration_of(duration, root)),
        caller_key=str(caller.access_key_id), mfa_serial=mfa_serial)
    user_sessions(backend)[key.access_key_id] = session
    return session, key.secret_access_key


def refused_call(service: str, operation: str, session: UserSession | None) -> Response | None:
    """What AWS answers when temporary credentials call what they may not (None: they
    may). `session`: GetSessionToken's session, or None for a role session's."""
    if service == "sts" and operation in LONG_TERM_ONLY:
        return aws_errors.error_response(
            "sts", 403, "AccessDenied", f"Cannot call {operation} with session credentials")
    if session is None:
        return None
    if service == "iam" and not session.mfa:
        return aws_errors.invalid_key(service)
    if service == "sts" and operation not in STS_ALLOWED:
        return aws_errors.error_response(
            "sts", 403, "AccessDenied", f"Cannot call {operation} with session credentials")
    return None
