"""Who signed a request: the root user, an IAM user, a role session, the grader, or
nobody known.

AWS refuses a request signed with a key it does not know, or with a key
that is inactive; so does the simulated account. The grader signs with its
own key, which is not an IAM key: its reads are not the learner's activity
and keep working whatever keys the learner deletes. A role session's
temporary key is known only with the session STS issued it for
(`grader.sandbox.services.sts.models`): its name, its `assumed-role` ARN, its
"ROLEID:SESSION" id and the token that must come with it. A temporary key
from GetSessionToken (`grader.sandbox.services.sts.session_tokens`) is its user's (or
root's): the same identity as the user's own keys, with the session's token
that must come with it; a user deleted since (or made again under the same
name) has no sessions.
"""

from __future__ import annotations

from dataclasses import dataclass

from moto.iam.models import IAMBackend

from grader.sandbox.services.iam.models import root_for_key, root_of
from grader.sandbox.services.sts.models import session_for_key
from grader.sandbox.services.sts.session_tokens import user_session_for_key


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

    @property
    def temporary(self) -> bool:
        """Whether it signs with a session's credentials (a role's, or GetSessionToken's)."""
        return self.session_token is not None


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
    if session is not None:
        return Caller("AssumedRole", access_key_id, session.name, session.arn,
                      session.principal_id, key.secret_access_key, session.session_token)
    return _users_session(access_key_id, iam, key.secret_access_key)


def _users_session(access_key_id: str, iam: IAMBackend, secret: str) -> Caller:
    """The user (or root) behind a temporary key from GetSessionToken."""
    own = user_session_for_key(iam.account_id, access_key_id)
    if own is None:  # a temporary key that no session of ours issued
        return Caller("Invalid", access_key_id)
    if own.user_name is None:
        root = root_of(iam)
        if root is None:
            return Caller("Invalid", access_key_id)
        return Caller("Root", access_key_id, None, root.arn, root.account_id, secret,
                      own.session_token)
    user = iam.users.get(own.user_name)
    if user is None or user.id != own.user_id:
        return Caller("Invalid", access_key_id)
    return Caller("IAMUser", access_key_id, user.name, user.arn, user.id, secret,
                  own.session_token)
