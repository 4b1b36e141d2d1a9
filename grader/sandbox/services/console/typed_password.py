"""What the record keeps of a console sign-in's request: never a password as typed.

A console sign-in is typed by a person, who may type a real password by
mistake (their own, of another site, of a real AWS account). The record goes
to an instructor's server, so the account keeps in it only what a re-grade
needs to judge the sign-in again (`kept_body`):

- a sign-in that was **refused** keeps nothing of what was typed: not the
  password, not the MFA code. Made again without them it is refused again,
  which is all a re-grade needs to know of it (a refusal changes nothing);
- a sign-in that **succeeded** keeps, instead of the password, a salted
  HMAC-SHA256 of it (`passwordHmac`: a random 16-byte salt and the digest).
  The typed password matched the simulated account's password at that moment,
  a course password that the record (the CreateLoginProfile that set it) or
  the submission (root's) already holds, so the digest tells a reader nothing
  new; a re-grade recomputes it from the password the rebuilt account has at
  that point (`TypedPassword.matches`) and does not take the record's word
  that it matched. (A slow hash would protect nothing more: the password is
  known to whoever holds the record.) The MFA code is kept when a device's code
  signed the user in: it was used once and is worth nothing since, and the
  re-grade checks it against the device's seed at the moment it was typed;
  a code nobody asked for is not kept.

Only a request read back from the record may carry `passwordHmac`
(`password_in(..., from_record=True)`): the live sign-in page takes a password,
so a digest read from a record signs nobody in.

Records made before this (the password in clear, failed sign-ins' too) are
still read: their `password` is judged as typed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

SALT_BYTES = 16
DIGEST_KEY = "passwordHmac"
# What a refused sign-in's record keeps of its request (nothing that was typed but the
# user's name, and the passkey's answer: a signature over a challenge used up since).
KEPT_WHEN_REFUSED = ("user", "credential")
KEPT_WHEN_SIGNED_IN = ("user", "mfaCode", "credential")  # and the password's digest


@dataclass(frozen=True)
class TypedPassword:
    """A password as typed (`clear`), or as the record keeps it (`salt` and `digest`)."""

    clear: str | None = None
    salt: bytes = b""
    digest: bytes = b""

    def matches(self, stored: str | None) -> bool:
        """Whether this is `stored` (an empty or missing password matches nothing)."""
        if not stored:
            return False
        if self.clear is not None:
            return hmac.compare_digest(self.clear.encode(), stored.encode())
        if len(self.salt) != SALT_BYTES or not self.digest:
            return False
        return hmac.compare_digest(_digest(self.salt, stored), self.digest)


def password_in(payload: dict[str, Any], from_record: bool) -> TypedPassword:
    """The password a sign-in request carries: typed (`password`), or, for a request
    read back from the record only, its salted digest (`passwordHmac`)."""
    if "password" in payload or not from_record:
        return TypedPassword(clear=str(payload.get("password", "")))
    kept = payload.get(DIGEST_KEY)
    if not isinstance(kept, dict):
        return TypedPassword(clear="")
    try:
        salt = _unb64(str(kept.get("salt", "")))
        digest = bytes.fromhex(str(kept.get("sha256", "")))
    except ValueError:
        return TypedPassword(clear="")
    return TypedPassword(salt=salt, digest=digest)


def kept_body(body: bytes, ok: bool, mfa_used: bool) -> bytes:
    """The request body the record keeps of a console sign-in that succeeded (`ok`, with
    an MFA code of a device or not: `mfa_used`) or was refused: see the module's text.
    Always JSON, whatever was sent."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    if not ok:
        kept = {k: payload[k] for k in KEPT_WHEN_REFUSED if k in payload}
    else:
        kept = {k: payload[k] for k in KEPT_WHEN_SIGNED_IN if k in payload
                and (k != "mfaCode" or mfa_used)}
        if "password" in payload:
            salt = secrets.token_bytes(SALT_BYTES)
            kept[DIGEST_KEY] = {"salt": _b64(salt),
                                "sha256": _digest(salt, str(payload["password"])).hex()}
        elif isinstance(payload.get(DIGEST_KEY), dict):  # made again from the record
            kept[DIGEST_KEY] = payload[DIGEST_KEY]
    return json.dumps(kept, separators=(",", ":")).encode()


def _digest(salt: bytes, password: str) -> bytes:
    return hmac.new(salt, password.encode("utf-8"), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise ValueError(str(error)) from None
