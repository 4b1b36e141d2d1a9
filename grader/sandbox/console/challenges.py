"""WebAuthn challenges the console has handed out and not seen back yet.

A challenge is random (`secrets`, never the account's seeded random), kept
only in this process, for one purpose (`register` or `signin`) and one holder
(a console session, or the identity whose password was right), for a few
minutes of this machine's time, and good once: taking it back removes it,
whether or not it then matches. So a response cannot be replayed, nor a
challenge handed out for one ceremony or one person used for another.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

LIFETIME_SECONDS = 300.0  # the options' timeout tells the browser the same
MOST_PENDING = 64  # beyond this, the oldest is forgotten


@dataclass(frozen=True)
class Pending:
    purpose: str
    holder: str
    expires: float  # time.monotonic()


class Challenges:
    """The pending challenges, by their bytes."""

    def __init__(self, lifetime: float = LIFETIME_SECONDS, most: int = MOST_PENDING) -> None:
        self.lifetime = lifetime
        self.most = most
        self._pending: dict[bytes, Pending] = {}

    def issue(self, purpose: str, holder: str) -> bytes:
        """A new challenge for `purpose`, that only `holder` may bring back."""
        now = time.monotonic()
        self._pending = {c: p for c, p in self._pending.items() if p.expires > now}
        while len(self._pending) >= self.most:
            del self._pending[next(iter(self._pending))]
        challenge = secrets.token_bytes(32)
        self._pending[challenge] = Pending(purpose, holder, now + self.lifetime)
        return challenge

    def forget_all(self) -> None:
        """No challenge handed out so far will be taken (the account started over)."""
        self._pending.clear()

    def take(self, challenge: bytes, purpose: str, holder: str) -> bool:
        """Whether `challenge` was handed out for `purpose` to `holder` and is still
        current; it is gone afterwards in any case."""
        pending = self._pending.pop(challenge, None)
        return (pending is not None and pending.purpose == purpose
                and secrets.compare_digest(pending.holder, holder)
                and pending.expires > time.monotonic())
