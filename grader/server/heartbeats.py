"""Whether anyone re-grades: each re-grade worker (the in-process thread on SQLite,
`grade-server worker` anywhere) writes a heartbeat into the database; `stalled` says
when re-grades wait with no worker seen lately, in words the dashboard and the server's
log both show ("3 re-grades waiting; no worker has been seen for 12 minutes").

A heartbeat every `EVERY`; a worker busy with one long re-grade misses a few, hence
`SILENT`, well above it. Jobs younger than `WAITING` are not news: a worker takes them."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from grader.server.database import writing
from grader.server.schema import jobs, workers
from grader.server.throttle import Clock, utc_now

log = logging.getLogger("grade-server.worker")

EVERY = dt.timedelta(seconds=15)
SILENT = dt.timedelta(minutes=2)
WAITING = dt.timedelta(minutes=1)
_FORGOTTEN = dt.timedelta(days=7)  # a worker gone this long is dropped from the table


def beat(connection: Connection, name: str, now: dt.datetime) -> None:
    """Say that worker `name` is alive at `now`."""
    name = name[:100]
    updated = connection.execute(workers.update().where(workers.c.name == name)
                                 .values(seen_at=now)).rowcount
    if not updated:
        connection.execute(workers.delete().where(workers.c.seen_at < now - _FORGOTTEN))
        connection.execute(workers.insert().values(name=name, started_at=now, seen_at=now))


@dataclass(frozen=True)
class Stalled:
    waiting: int  # jobs queued (or whose worker's lease ran out)
    oldest: dt.timedelta  # how long the oldest of them has waited
    last_seen: dt.timedelta | None  # since the last heartbeat; None: no worker ever

    def __str__(self) -> str:
        jobs_text = f"{self.waiting} re-grade{'s' if self.waiting != 1 else ''} waiting"
        if self.last_seen is None:
            seen = "no re-grade worker has ever been seen"
        else:
            seen = f"no worker has been seen for {_duration(self.last_seen)}"
        return (f"{jobs_text} (the oldest for {_duration(self.oldest)}); {seen}. "
                "Start one: `grade-server worker` (or `serve` without --no-regrade).")


def stalled(connection: Connection, now: dt.datetime) -> Stalled | None:
    """What is wrong when re-grades wait longer than `WAITING` and no worker has been seen
    within `SILENT`; None when nothing is."""
    ready = sa.or_(jobs.c.state == "queued",
                   sa.and_(jobs.c.state == "running", jobs.c.lease_until < now))
    count, oldest = connection.execute(
        sa.select(sa.func.count(), sa.func.min(jobs.c.created_at)).where(ready)).one()
    if not count or oldest is None:
        return None
    oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=dt.UTC)
    if now - oldest_at < WAITING:
        return None
    seen = connection.execute(sa.select(sa.func.max(workers.c.seen_at))).scalar_one()
    if seen is not None:
        seen_at = seen if seen.tzinfo else seen.replace(tzinfo=dt.UTC)
        if now - seen_at < SILENT:
            return None
        return Stalled(int(count), now - oldest_at, now - seen_at)
    return Stalled(int(count), now - oldest_at, None)


def _duration(span: dt.timedelta) -> str:
    seconds = max(0, int(span.total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


class Pulse:
    """A worker's heartbeat: call it each turn of the loop; it writes at most every `EVERY`
    and never fails the worker (a database gone for a moment only delays it)."""

    def __init__(self, engine: Engine, name: str, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.name = name
        self.clock = clock
        self._last: dt.datetime | None = None

    def __call__(self) -> None:
        now = self.clock()
        if self._last is not None and now - self._last < EVERY:
            return
        try:
            with writing(self.engine) as connection:
                beat(connection, self.name, now)
        except sa.exc.SQLAlchemyError:
            log.warning("the re-grade worker could not write its heartbeat", exc_info=True)
            return
        self._last = now
