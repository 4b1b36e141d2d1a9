"""WebAuthn challenges the console has handed out and not seen back yet.

A challenge is random (`secrets`, never the account's seeded random), kept
only in this process, for one purpose (`register` or `signin`) and one holder
(a console session, or the identity whose password was right), for a few
minutes of this machine's time, and good once: taking it back removes it,
whether or not it then matches. So a response cannot be replayed, nor a
challenge handed out for one ceremony or one person used for another.

Each one handed out is also recorded (`passkeys`), so that an instructor's
server judging the record again can hand the same challenge out again at the
same moment (`restore`) and judge the answer to it as it was judged then. The
time is the machine's time of the request (`clock.machine_time`: the recorded
one, when the record is judged again), not the account's, which
`grade sandbox advance` moves.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from grader.sandbox.clock import machine_time

LIFETIME_SECONDS = 300.0  # the options' timeout tells the browser the same
LIFETIME = dt.timedelta(seconds=LIFETIME_SECONDS)
MOST_PENDING = 64  # beyond this, the oldest is forgotten
CHALLENGE_BYTES = 32


@dataclass(frozen=True)
class Pending:
    purpose: str
    holder: str
    expires: dt.datetime  # the machine's time


class Challenges:
    """The pending challenges, by their bytes."""

    def __init__(self, lifetime: dt.timedelta = LIFETIME, most: int = MOST_PENDING) -> None:
        self.lifetime = lifetime
        self.most = most
        self._pending: dict[bytes, Pending] = {}
        self._restored: set[bytes] = set()  # every challenge `restore` was given

    def issue(self, purpose: str, holder: str) -> bytes:
        """A new challenge for `purpose`, that only `holder` may bring back."""
        challenge = secrets.token_bytes(CHALLENGE_BYTES)
        self._keep(challenge, purpose, holder)
        return challenge

    def restore(self, challenge: bytes, purpose: str, holder: str) -> bool:
        """Hand `challenge` out again, now, as the record says it was (judging the record
        again). False, and nothing handed out, for a challenge handed out before (a
        record that says so twice would let one answer be taken twice)."""
        if challenge in self._restored or len(challenge) != CHALLENGE_BYTES:
            return False
        self._restored.add(challenge)
        self._keep(challenge, purpose, holder)
        return True

    def _keep(self, challenge: bytes, purpose: str, holder: str) -> None:
        now = machine_time()
        self._pending = {c: p for c, p in self._pending.items() if p.expires > now}
        while len(self._pending) >= self.most:
            del self._pending[next(iter(self._pending))]
        self._pending[challenge] = Pending(purpose, holder, now + self.lifetime)

    def forget_all(self) -> None:
        """No challenge handed out so far will be taken (the account started over)."""
        self._pending.clear()

    def take(self, challenge: bytes, purpose: str, holder: str) -> bool:
        """Whether `challenge` was handed out for `purpose` to `holder` and is still
        current; it is gone afterwards in any case."""
        pending = self._pending.pop(challenge, None)
        return (pending is not None and pending.purpose == purpose
                and secrets.compare_digest(pending.holder, holder)
                and pending.expires > machine_time())
