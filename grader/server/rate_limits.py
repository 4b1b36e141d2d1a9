"""Token buckets in memory, one per key (a client's address, a learner): floods.

Each server process keeps its own: behind a load balancer with N processes a client
gets up to N times the rate, which is still a limit (the point is that nobody floods the
queue at full speed). What guards secrets (wrong passwords, wrong enrolment codes and
tokens) is counted in the database instead, the same for every process (`throttle`), and
so are a cohort's joins per minute (`enrolment.JOINS_PER_CODE`)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

_MAX_KEYS = 100_000


@dataclass(frozen=True)
class Rate:
    burst: float  # tokens a bucket holds (requests in a row)
    per_second: float  # tokens added back each second


class Limiter:
    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when `key` may go on (a token taken), else the seconds until it may."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            tokens, then = self._buckets.get(key, (self.rate.burst, moment))
            tokens = min(self.rate.burst, tokens + (moment - then) * self.rate.per_second)
            if tokens >= 1:
                self._store(key, tokens - 1, moment)
                return 0.0
            self._store(key, tokens, moment)
            return (1 - tokens) / self.rate.per_second

    def waiting(self, key: str, now: float | None = None) -> float:
        """Like `take`, without taking a token: 0 when `key` may go on now."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            tokens, then = self._buckets.get(key, (self.rate.burst, moment))
        tokens = min(self.rate.burst, tokens + (moment - then) * self.rate.per_second)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate.per_second

    def _store(self, key: str, tokens: float, moment: float) -> None:
        if len(self._buckets) >= _MAX_KEYS and key not in self._buckets:
            full = self.rate.burst
            self._buckets = {k: v for k, v in self._buckets.items()
                             if v[0] + (moment - v[1]) * self.rate.per_second < full}
        self._buckets[key] = (tokens, moment)


# A learner grades about once a minute; one back from a day offline sends a queue.
SUBMISSIONS = Rate(burst=30, per_second=0.5)
# Per client address: a class behind one NAT joins (and looks at its records) in a minute.
JOINS = Rate(burst=60, per_second=1)
LOGINS_BY_ADDRESS = Rate(burst=10, per_second=1 / 6)  # instructors' sign-ins, any e-mail
LEARNER_SIGNINS = Rate(burst=60, per_second=1)
