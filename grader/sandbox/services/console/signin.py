"""Who may sign in to the console, and the sessions it gives them.

Signing in takes the password, then, for a root user or an IAM user with an
MFA device, a current code of one of its virtual devices (or, for root, its
passkey: `passkeys`). A sign-in that succeeds opens a console session: a
random token in an HttpOnly, SameSite=Strict cookie (`SESSION_COOKIE`), that
the console's other pages need. The token is unguessable and known only to
this process: a session ends when the account stops, as a browser's does when
the console signs it out, or after `SESSION_LENGTH` of the account's time.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from moto.iam.models import IAMBackend

from grader.sandbox.account import Account
from grader.sandbox.clock import machine_time
from grader.sandbox.services.console.typed_password import TypedPassword
from grader.sandbox.services.iam import mfa
from grader.sandbox.services.iam.models import RootUser, root_of

SESSION_COOKIE = "aws-console-session"
SESSION_LENGTH = dt.timedelta(hours=12)  # the longest console session AWS allows
WRONG = "Your authentication information is incorrect. Please try again."
MFA_NEEDED = "Enter a code from your MFA device: this user signs in with MFA."


@dataclass(frozen=True)
class Identity:
    """Who signs in: the root user or an IAM user."""

    kind: str  # Root | IAMUser
    name: str | None  # the IAM user's name (None: root)
    arn: str
    principal_id: str

    @property
    def is_root(self) -> bool:
        return self.kind == "Root"


@dataclass
class Outcome:
    """What a sign-in attempt came to: `identity` None when no such user exists."""

    identity: Identity | None
    password_ok: bool = False
    mfa_needed: bool = False  # the password was right; the user has MFA
    mfa_used: str | None = None  # the serial number of the device whose code was right
    mfa_wrong: bool = False  # a code was given and it was not right

    @property
    def ok(self) -> bool:
        return self.identity is not None and self.password_ok and not self.mfa_wrong and \
            (not self.mfa_needed or self.mfa_used is not None)


def typed_user(account: Account, typed: str) -> str:
    """`root` for the root user, typed as `root` or as the account's e-mail address
    (as on AWS's sign-in page, case does not matter); else the IAM user's name."""
    typed = typed.strip()
    if typed.lower() in {"root", account.root_email.lower()}:
        return "root"
    return typed


def identity_of(iam: IAMBackend, account: Account, who: str) -> Identity | None:
    if who == "root":
        if root_of(iam) is None:
            return None
        return Identity("Root", None, account.root_arn, account.account_id)
    user = iam.users.get(who)
    if user is None:
        return None
    return Identity("IAMUser", user.name, user.arn, user.id)


def mfa_serials(iam: IAMBackend, identity: Identity) -> list[str]:
    """The serial numbers of the virtual MFA devices that sign `identity` in."""
    if identity.is_root:
        root = root_of(iam)
        return list(root.mfa_serials) if root is not None else []
    return list(iam.users[str(identity.name)].mfa_devices)


def has_mfa(iam: IAMBackend, identity: Identity) -> bool:
    """Whether signing in takes a second factor: a virtual device, or root's passkey."""
    if mfa_serials(iam, identity):
        return True
    root = root_of(iam) if identity.is_root else None
    return root is not None and bool(getattr(root, "passkeys", ()))


def check(iam: IAMBackend, account: Account, who: str, password: TypedPassword,
          code: str | None) -> Outcome:
    """Judge a password (as typed, or as the record keeps it: `typed_password`) and an
    MFA code (None: none given) against the account as it is now. A right code is
    used: it will not sign anyone in again."""
    identity = identity_of(iam, account, who)
    outcome = Outcome(identity)
    if identity is None:
        return outcome
    if identity.is_root:
        outcome.password_ok = password.matches(account.root_password)
    else:
        outcome.password_ok = password.matches(iam.users[str(identity.name)].password)
    if not outcome.password_ok:
        return outcome
    outcome.mfa_needed = has_mfa(iam, identity)
    if outcome.mfa_needed and code:
        outcome.mfa_used = _code_of(iam, identity, code)
        outcome.mfa_wrong = outcome.mfa_used is None
    return outcome


def _code_of(iam: IAMBackend, identity: Identity, code: str) -> str | None:
    """The serial number of the device (of `identity`'s) whose current code `code` is."""
    owner: Any = root_of(iam) if identity.is_root else iam.users[str(identity.name)]
    for serial in mfa_serials(iam, identity):
        try:
            accepted = mfa.authenticate(iam, owner, serial, code, machine_time())
        except mfa.CodeRefused:
            continue
        if accepted is not None:
            accepted.use()
        return serial
    return None


def mark_password_used(iam: IAMBackend, identity: Identity, moment: dt.datetime) -> None:
    if identity.is_root:
        root: RootUser | None = root_of(iam)
        if root is not None:
            root.password_last_used = moment
    else:
        iam.users[str(identity.name)].password_last_used = moment  # type: ignore[assignment]


@dataclass(frozen=True)
class Session:
    identity: Identity
    expires: dt.datetime  # the account's time


class Sessions:
    """The console sessions open now, by token."""

    def __init__(self) -> None:
        self._open: dict[str, Session] = {}

    def open(self, identity: Identity, now: dt.datetime) -> str:
        token = secrets.token_urlsafe(32)
        self._open[token] = Session(identity, now + SESSION_LENGTH)
        return token

    def of(self, token: str | None, now: dt.datetime) -> Identity | None:
        """The identity signed in with `token`, while its session lasts."""
        session = self._open.get(token or "")
        if session is None:
            return None
        if now >= session.expires:
            del self._open[str(token)]
            return None
        return session.identity

    def close(self, token: str | None) -> None:
        self._open.pop(token or "", None)

    def close_every_one(self) -> None:
        """Sign everyone out (the account started over: these sessions were the old one's)."""
        self._open.clear()
