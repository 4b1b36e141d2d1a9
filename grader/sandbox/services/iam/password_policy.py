"""The rules an IAM user's password must meet, as AWS applies them (moto 5.2.5 applies none).

AWS checks every password set by CreateLoginProfile, UpdateLoginProfile and
ChangePassword against the account's password policy, or, when none is set,
against its default policy (IAM User Guide, "Set an account password policy
for IAM users"):

- the default: at least 8 characters; at least three of the four kinds
  uppercase (A-Z), lowercase (a-z), numbers (0-9) and the symbols
  ``! @ # $ % ^ & * ( ) _ + - = [ ] { } | '``; not identical to the account's
  e-mail address (nor to its name, which the simulated account does not have);
- a custom policy (UpdateAccountPasswordPolicy) replaces the default:
  MinimumPasswordLength (6 when not given), and each Require... option asks
  for one character of its kind; PasswordReusePrevention (1-24) refuses a
  user's last N passwords, the current one included, when the password is
  changed (ChangePassword, UpdateLoginProfile).

The root user's password is not an IAM password: no IAM policy applies to it.

A password that breaks any rule is refused with ``PasswordPolicyViolation``
(HTTP 400) and the one message AWS gives, whichever rule it broke:
"Password does not conform to the account password policy."

So that "not one of your last N passwords" can be checked without keeping
more copies of old passwords, a user's password history holds salted
PBKDF2 hashes only. (moto itself keeps the current password, to check
sign-ins; the record keeps each request as sent, to replay it.) The salt is
random but the verdicts are not, so replaying the record refuses exactly what
was refused the first time.

Sources: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
(the default and custom policies), the IAM API Reference's PasswordPolicy and
ChangePassword pages, the AWS CLI's own examples (`aws iam change-password`
as root: InvalidUserType), and AWS's answers seen by its users for the message
(CloudFormation events, console screens, SDK error handlers).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from typing import Any

from moto.core.utils import utcnow
from moto.iam.exceptions import IAMException, NotFoundException
from moto.iam.models import AccountPasswordPolicy, IAMBackend, User
from werkzeug.exceptions import HTTPException

from grader.sandbox.front_desk.aws_errors import error_response
from grader.sandbox.history.record import REPLAYING
from grader.sandbox.services.iam.models import root_of

VIOLATION = "Password does not conform to the account password policy."
SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")
DEFAULT_MINIMUM_LENGTH = 8
DEFAULT_KINDS_NEEDED = 3
HISTORY_KEPT = 24  # PasswordReusePrevention's maximum
# Not a slow hash: the record keeps every request as sent (passwords included) and moto
# the current password, so slowness would protect nothing and cost every start and
# every re-grade 15 ms per password set. Salted: equal passwords do not look equal.
_ITERATIONS = 1_000


class PasswordPolicyViolation(IAMException):
    """AWS's refusal of a password that breaks the password policy."""

    code = "PasswordPolicyViolation"
    message = VIOLATION


class InvalidUserType(IAMException):
    """AWS's refusal of ChangePassword called with the root user's credentials."""

    code = "InvalidUserType"


class WrongPassword(HTTPException):
    """ChangePassword with an OldPassword that is not the user's password.

    AWS documents no error for this case, and none could be found that AWS
    returned: AccessDenied (HTTP 403) is the simulated account's choice, the
    answer it gives to any request its caller may not make."""

    code = 403

    def __init__(self) -> None:
        message = "The old password is not the user's current password."
        super().__init__(error_response("iam", 403, "AccessDenied", message).get_data(True))

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("Content-Type", "text/xml")]


def kinds_of(password: str) -> set[str]:
    """Which of AWS's four kinds of character `password` has."""
    kinds = set()
    for char in password:
        if char in string.ascii_uppercase:
            kinds.add("uppercase")
        elif char in string.ascii_lowercase:
            kinds.add("lowercase")
        elif char in string.digits:
            kinds.add("number")
        elif char in SYMBOLS:
            kinds.add("symbol")
    return kinds


def broken_rules(password: str, policy: AccountPasswordPolicy | None,
                 email: str | None = None) -> list[str]:
    """The rules `password` breaks, in words (empty when it conforms).

    `policy` is the account's password policy, None for AWS's default one;
    `email` is the root user's address, which the default policy forbids
    (compared as addresses are, ignoring case). AWS's refusal does not say
    which rule was broken: these words are for readers of this code and tests."""
    kinds = kinds_of(password)
    if policy is None:
        broken = []
        if len(password) < DEFAULT_MINIMUM_LENGTH:
            broken.append(f"at least {DEFAULT_MINIMUM_LENGTH} characters")
        if len(kinds) < DEFAULT_KINDS_NEEDED:
            broken.append("three of uppercase, lowercase, numbers and symbols")
        if email and password.lower() == email.lower():
            broken.append("not the account's e-mail address")
        return broken
    required = {
        "uppercase": policy.require_uppercase_characters,
        "lowercase": policy.require_lowercase_characters,
        "number": policy.require_numbers,
        "symbol": policy.require_symbols,
    }
    broken = [f"at least one {kind}" for kind, wanted in required.items()
              if wanted and kind not in kinds]
    if len(password) < int(policy.minimum_password_length):
        broken.insert(0, f"at least {policy.minimum_password_length} characters")
    return broken


@dataclass(frozen=True)
class PasswordHash:
    """One old password, salted and hashed (PBKDF2-SHA256)."""

    salt: bytes
    digest: bytes

    @classmethod
    def of(cls, password: str) -> PasswordHash:
        salt = secrets.token_bytes(16)
        return cls(salt, _digest(password, salt))

    def matches(self, password: str) -> bool:
        return hmac.compare_digest(self.digest, _digest(password, self.salt))


def _digest(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _ITERATIONS)


def history_of(user: User) -> list[PasswordHash]:
    """The user's passwords, oldest first, the current one last (hashes only).

    This is the list kept on the user: appending to it changes the history."""
    history: list[PasswordHash] | None = getattr(user, "password_history", None)
    if history is None:
        history = []
        setattr(user, "password_history", history)  # noqa: B010 - moto has no such field
    return history


def remember(user: User, password: str) -> None:
    """Note that `password` was just set: its hash in the history, and when."""
    history = history_of(user)
    history.append(PasswordHash.of(password))
    del history[:-HISTORY_KEPT]
    setattr(user, "password_last_changed", utcnow())  # noqa: B010 - moto has no such field


def reused(user: User, password: str, policy: AccountPasswordPolicy | None) -> bool:
    """Whether `password` is one of the last PasswordReusePrevention passwords."""
    count = int(policy.password_reuse_prevention or 0) if policy else 0
    return count > 0 and any(old.matches(password) for old in history_of(user)[-count:])


def enforce(backend: IAMBackend, user: User, password: str, *, changing: bool) -> None:
    """Refuse `password` for `user` as AWS would (PasswordPolicyViolation).

    `changing` is True when it replaces the user's password (ChangePassword,
    UpdateLoginProfile): only then do earlier passwords count. A request being
    replayed from the record was accepted when it was made: it is not judged again."""
    if REPLAYING.get():
        return
    policy = backend.account_password_policy
    root = root_of(backend)
    password = password or ""  # a request without one: nothing to conform
    if broken_rules(password, policy, root.email if root else None):
        raise PasswordPolicyViolation()
    if changing and reused(user, password, policy):
        raise PasswordPolicyViolation()


def change_password(self: IAMBackend, user_name: str, old_password: str,
                    new_password: str) -> None:
    """ChangePassword: an IAM user replaces its own console password.

    The user must have one (NoSuchEntity otherwise) and know it; the new one
    must meet the password policy, reuse prevention included. A password
    reset that was required is then done."""
    user = self.get_user(user_name)
    if not user.password:
        raise NotFoundException(f"Login Profile for User {user_name} cannot be found.")
    if not hmac.compare_digest(str(user.password).encode(), str(old_password).encode()):
        raise WrongPassword()
    enforce(self, user, new_password, changing=True)
    user.password = new_password
    user.password_reset_required = False
    remember(user, new_password)
