"""Who signed a request: the root user, an IAM user, the grader, or nobody known.

AWS refuses a request signed with a key it does not know, or with a key
that is inactive; so does the simulated account. The grader signs with its
own key, which is not an IAM key: its reads are not the learner's activity
and keep working whatever keys the learner deletes.
"""

from __future__ import annotations

from dataclasses import dataclass

from moto.iam.models import IAMBackend

from grader.sandbox.iam.models import root_for_key


@dataclass(frozen=True)
class Caller:
    """The identity behind a request, in CloudTrail's terms (`userIdentity`)."""

    kind: str  # Root | IAMUser | AssumedRole | Grader | Invalid
    access_key_id: str | None = None
    name: str | None = None
    arn: str | None = None
    principal_id: str | None = None
    secret: str | None = None  # the key's secret, to check the request's signature
    session_token: str | None = None  # temporary credentials: the token that must come along

    @property
    def recorded(self) -> bool:
        return self.kind not in {"Grader", "Invalid"}


def resolve(access_key_id: str, iam: IAMBackend, grader_key_id: str,
            grader_secret: str) -> Caller:
    if access_key_id == grader_key_id:
        return Caller("Grader", access_key_id, secret=grader_secret)
    root = root_for_key(iam, access_key_id)
    if root is not None:
        key = root.key(access_key_id)
        if key is None or key.status != "Active":
            return Caller("Invalid", access_key_id)
        return Caller("Root", access_key_id, None, root.arn, root.account_id,
                      key.secret_access_key)
    key = iam.access_keys.get(access_key_id)
    if key is None or key.status != "Active":
        return Caller("Invalid", access_key_id)
    if key.user_name:
        user = iam.users.get(key.user_name)
        if user is None:
            return Caller("Invalid", access_key_id)
        return Caller("IAMUser", access_key_id, user.name, user.arn, user.id,
                      key.secret_access_key)
    return Caller("AssumedRole", access_key_id, None, key.role_arn, access_key_id,
                  key.secret_access_key, _session_token(iam, access_key_id))


def _session_token(iam: IAMBackend, access_key_id: str) -> str:
    """The session token STS handed out with a temporary key ("" if none is known,
    which no request can match)."""
    from moto.sts.models import sts_backends

    session = sts_backends[iam.account_id]["aws"].get_assumed_role_from_access_key(access_key_id)
    return str(session.session_token) if session is not None else ""
