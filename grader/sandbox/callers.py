"""Who signed a request: the root user, an IAM user, a role session, the grader, or
nobody known.

AWS refuses a request signed with a key it does not know, or with a key
that is inactive; so does the simulated account. The grader signs with its
own key, which is not an IAM key: its reads are not the learner's activity
and keep working whatever keys the learner deletes. A role session's
temporary key is known only with the session STS issued it for
(`grader.sandbox.sts.models`): its name, its `assumed-role` ARN, its
"ROLEID:SESSION" id and the token that must come with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from moto.iam.models import IAMBackend

from grader.sandbox.iam.models import root_for_key
from grader.sandbox.sts.models import session_for_key


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
    return identify(access_key_id, iam)


def identify(access_key_id: str, iam: IAMBackend) -> Caller:
    """The account's own principal behind a key: root, an IAM user, a role session."""
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
    session = session_for_key(iam.account_id, access_key_id)
    if session is None:  # a temporary key that no session of ours issued
        return Caller("Invalid", access_key_id)
    return Caller("AssumedRole", access_key_id, session.name, session.arn,
                  session.principal_id, key.secret_access_key, session.session_token)
