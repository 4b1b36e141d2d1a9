"""STS operations answered as AWS answers them, where moto answers otherwise.

- AssumeRole: by `models.assume_role` (who may assume the role, for how
  long, with which session policies), with the request context the front
  desk gives the caller's other requests (`grader.sandbox.front_desk.authorization`),
  plus `sts:ExternalId` and `sts:RoleSessionName`, and the MFA keys when
  `SerialNumber` and `TokenCode` authenticate the caller.
- GetSessionToken: by `session_tokens.get_session_token` (real credentials,
  MFA checked, durations as AWS caps them).
- AssumeRoleWithWebIdentity and AssumeRoleWithSAML: not offered. moto hands
  a session for any role to anyone who calls them; the simulated account has
  no identity providers to check a token or an assertion against.

`PATCHES` puts these methods on moto's `TokenResponse` (`grader.sandbox.moto_patches`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from moto.core.responses import ActionResult
from moto.sts.responses import TokenResponse

from grader.sandbox.clock import machine_time
from grader.sandbox.front_desk import authorization, callers
from grader.sandbox.moto_patches import ACTION, replaced_by
from grader.sandbox.services.sts import models, session_tokens


def _iam(self: TokenResponse) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[self.current_account][self.partition]


def _source_ip(self: TokenResponse) -> str:
    request = getattr(self, "normalized_request", None)
    return str(getattr(request, "remote_addr", None) or "127.0.0.1")


def _policy_arns(value: Any) -> list[str]:
    """`PolicyArns.member.N.arn`, as moto parses it (a list of {"arn": ...})."""
    found = []
    for item in value or []:
        arn = item.get("arn") if isinstance(item, dict) else item
        if arn:
            found.append(str(arn))
    return found


def assume_role(self: TokenResponse) -> ActionResult:
    iam = _iam(self)
    caller = callers.identify(self.get_access_key(), iam)
    session_name = str(self._get_param("RoleSessionName"))
    external_id = self._get_param("ExternalId")
    now = dt.datetime.now(dt.UTC)
    context = authorization.request_context(iam, caller, self.region, _source_ip(self), now)
    context["sts:RoleSessionName"] = session_name
    if external_id is not None:
        context["sts:ExternalId"] = str(external_id)
    serial, code = self._get_param("SerialNumber"), self._get_param("TokenCode")
    accepted = None
    if serial is not None or code is not None:  # checked here: AccessDenied if wrong
        accepted = session_tokens.check_mfa(iam, caller, serial, code, machine_time())
    mfa_at = now if serial is not None or code is not None else _mfa_behind(iam, caller)
    if mfa_at is not None:
        context["aws:MultiFactorAuthPresent"] = "true"
        context["aws:MultiFactorAuthAge"] = str(int((now - mfa_at).total_seconds()))
    assumed = models.assume_role(
        self.backend, iam, caller, self.region, str(self._get_param("RoleArn")),
        session_name, self._get_int_param("DurationSeconds"), self._get_param("Policy"),
        _policy_arns(self._get_param("PolicyArns")), external_id, context, mfa_at)
    if accepted is not None:  # a refused request leaves its code unused
        accepted.use()
    return ActionResult({
        "Credentials": assumed,
        "AssumedRoleUser": {"AssumedRoleId": assumed.user_id, "Arn": assumed.arn},
        "PackedPolicySize": 6,
    })


def _mfa_behind(iam: Any, caller: callers.Caller) -> dt.datetime | None:
    """When the MFA code behind a request without one was checked: when the caller's
    GetSessionToken session was made, for an MFA session's request; else None."""
    own = session_tokens.user_session_for_key(iam.account_id, str(caller.access_key_id))
    return own.created if own is not None and own.mfa else None


def get_session_token(self: TokenResponse) -> ActionResult:
    iam = _iam(self)
    caller = callers.identify(self.get_access_key(), iam)
    session, secret = session_tokens.get_session_token(
        self.backend, iam, caller, self._get_int_param("DurationSeconds"),
        self._get_param("SerialNumber"), self._get_param("TokenCode"))
    return ActionResult({"Credentials": {
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": secret,
        "SessionToken": session.session_token,
        "Expiration": session.expires,
    }})


def not_offered(self: TokenResponse) -> ActionResult:
    raise NotImplementedError("no identity providers in the simulated account")


_TOKENS = "moto.sts.responses:TokenResponse"
PATCHES = (
    replaced_by(_TOKENS, "assume_role", assume_role, shape=ACTION),
    replaced_by(_TOKENS, "get_session_token", get_session_token, shape=ACTION),
    replaced_by(_TOKENS, "assume_role_with_web_identity", not_offered, shape=ACTION),
    replaced_by(_TOKENS, "assume_role_with_saml", not_offered, shape=ACTION),
)
