"""STS operations answered as AWS answers them, where moto answers otherwise.

- AssumeRole: by `models.assume_role` (who may assume the role, for how
  long, with which session policies), with the request context the front
  desk gives the caller's other requests (`grader.sandbox.authorization`),
  plus `sts:ExternalId` and `sts:RoleSessionName`.
- AssumeRoleWithWebIdentity and AssumeRoleWithSAML: not offered. moto hands
  a session for any role to anyone who calls them; the simulated account has
  no identity providers to check a token or an assertion against.

`install` puts these methods on moto's `TokenResponse`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from moto.core.responses import ActionResult
from moto.sts.responses import TokenResponse

from grader.sandbox import authorization, callers
from grader.sandbox.sts import models


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
    context = authorization.request_context(iam, caller, self.region, _source_ip(self),
                                            dt.datetime.now(dt.UTC))
    context["sts:RoleSessionName"] = session_name
    if external_id is not None:
        context["sts:ExternalId"] = str(external_id)
    assumed = models.assume_role(
        self.backend, iam, caller, self.region, str(self._get_param("RoleArn")),
        session_name, self._get_int_param("DurationSeconds"), self._get_param("Policy"),
        _policy_arns(self._get_param("PolicyArns")), external_id, context)
    return ActionResult({
        "Credentials": assumed,
        "AssumedRoleUser": {"AssumedRoleId": assumed.user_id, "Arn": assumed.arn},
        "PackedPolicySize": 6,
    })


def not_offered(self: TokenResponse) -> ActionResult:
    raise NotImplementedError("no identity providers in the simulated account")


PATCHES = {
    "assume_role": assume_role,
    "assume_role_with_web_identity": not_offered,
    "assume_role_with_saml": not_offered,
}
