"""Failures counted in the database, per key, so that every server process (and every
machine behind a load balancer) sees the same count: after a key's free failures, each
next try waits twice as long as the one before, up to a ceiling; a key's failures are
forgotten after a quiet while, or at once when it succeeds (`forgive`).

Keys are narrow on purpose: an instructor's wrong passwords are counted per (client
address, e-mail), so that someone guessing elsewhere slows only themselves, never the
instructor signing in from their own address (`sign_in_key`).

`check_and_count` counts a try as a failure before it is judged (the row is locked while
it is read), so that a burst of parallel tries gets no more than the free ones; a success
then takes its count back. The clock is a parameter (tests move it instead of waiting)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from grader.server.database import is_sqlite
from grader.server.schema import throttles

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Backoff:
    free: int  # failures without any wait
    first: float  # seconds to wait after the first failure past the free ones
    longest: float  # the wait never grows past this
    forget: float  # seconds without a failure after which the count starts again

    def wait_after(self, failures: int) -> float:
        """How long the next try waits after the last of `failures` failures."""
        if failures < self.free:
            return 0.0
        return min(self.longest, self.first * 2.0 ** (failures - self.free))


# An instructor's password, per (address, e-mail): 5 free, then 30 s, 1 min... up to 15 min.
SIGN_INS = Backoff(free=5, first=30, longest=15 * 60, forget=24 * 3600)
# Wrong passwords for any e-mail, enrolment codes and learner tokens, per address (a class
# mistypes a few): 10 free, then 30 s, 1 min... up to 10 min.
GUESSES = Backoff(free=10, first=30, longest=10 * 60, forget=3600)


def sign_in_key(address: str, email: str) -> str:
    return f"sign-in|{address}|{email}"[:320]


def guess_key(kind: str, address: str) -> str:
    return f"{kind}|{address}"[:320]


class Throttle:
    def __init__(self, clock: Clock = utc_now) -> None:
        self.clock = clock

    def waiting(self, connection: Connection, key: str, backoff: Backoff) -> float:
        """Seconds before `key` may try again (0: now), the row locked on PostgreSQL."""
        query = sa.select(throttles.c.failures, throttles.c.last_failure).where(
            throttles.c.key == key)
        if not is_sqlite(connection):  # SQLite: the writing transaction holds the lock
            query = query.with_for_update()
        row = connection.execute(query).first()
        if row is None:
            return 0.0
        now = self.clock()
        quiet = float((now - row.last_failure).total_seconds())
        if quiet >= backoff.forget:
            return 0.0
        return max(0.0, backoff.wait_after(int(row.failures)) - quiet)

    def fail(self, connection: Connection, key: str, backoff: Backoff) -> None:
        """Count one failure of `key` (a count quiet for `backoff.forget` starts again)."""
        now = self.clock()
        row = connection.execute(sa.select(throttles.c.failures, throttles.c.last_failure)
                                 .where(throttles.c.key == key)).first()
        if row is None:
            _forget_old(connection, now)
            _insert_or_add(connection, key, now)
            return
        stale = (now - row.last_failure).total_seconds() >= backoff.forget
        connection.execute(throttles.update().where(throttles.c.key == key).values(
            failures=1 if stale else throttles.c.failures + 1, last_failure=now))

    def check_and_count(self, connection: Connection, key: str, backoff: Backoff) -> float:
        """`waiting`; when 0, the try is counted as a failure until `forgive` takes it back."""
        wait = self.waiting(connection, key, backoff)
        if not wait:
            self.fail(connection, key, backoff)
        return wait

    @staticmethod
    def forgive(connection: Connection, key: str, everything: bool = False) -> None:
        """Take back one counted failure of `key` (a success), or all of them."""
        if everything:
            connection.execute(throttles.delete().where(throttles.c.key == key))
            return
        connection.execute(throttles.update().where(throttles.c.key == key,
                                                    throttles.c.failures > 0)
                           .values(failures=throttles.c.failures - 1))


def _insert_or_add(connection: Connection, key: str, now: dt.datetime) -> None:
    """Insert the key's first failure; if another process inserted it meanwhile, add one."""
    if is_sqlite(connection):
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    statement = insert(throttles).values(key=key, failures=1, last_failure=now)
    connection.execute(statement.on_conflict_do_update(
        index_elements=[throttles.c.key],
        set_={"failures": throttles.c.failures + 1, "last_failure": now}))


def _forget_old(connection: Connection, now: dt.datetime) -> None:
    """Drop the rows no backoff remembers any more (a day: the longest `forget`)."""
    horizon = max(SIGN_INS.forget, GUESSES.forget)
    connection.execute(throttles.delete().where(
        throttles.c.last_failure < now - dt.timedelta(seconds=horizon)))
