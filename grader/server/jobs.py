"""The re-grade queue, in the database: one job per submission to re-grade.

A worker claims the oldest queued job (or a running one whose lease ran out: its worker
died) in one statement: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so that workers
on several machines never take the same job; on SQLite the statement itself is atomic.
A job whose workers died `MAX_ATTEMPTS` times is failed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from grader.server.database import is_sqlite, writing
from grader.server.prepared import Prepared
from grader.server.schema import jobs

LEASE = dt.timedelta(seconds=120)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Job:
    id: int
    submission_id: int
    attempts: int


def enqueue(connection: Connection, submission_id: int, now: dt.datetime) -> None:
    _ENQUEUE.count(connection, {"submission_id": submission_id, "state": "queued",
                                "attempts": 0, "created_at": now})


_ENQUEUE = Prepared(jobs.insert(), columns=["submission_id", "state", "attempts", "created_at"])


def abandoned(connection: Connection, now: dt.datetime) -> list[int]:
    """Fail the jobs whose workers died `MAX_ATTEMPTS` times; their submissions' ids."""
    rows = connection.execute(
        jobs.update().where(jobs.c.state == "running", jobs.c.lease_until < now,
                            jobs.c.attempts >= MAX_ATTEMPTS)
        .values(state="failed", finished_at=now,
                error=f"The re-grade stopped {MAX_ATTEMPTS} times without finishing "
                      "(its worker died).")
        .returning(jobs.c.submission_id)).all()
    return [int(r.submission_id) for r in rows]


def claim(engine: Engine, worker: str, now: dt.datetime | None = None,
          lease: dt.timedelta = LEASE) -> Job | None:
    """The next job, now leased to `worker`; None when there is none."""
    moment = now or dt.datetime.now(dt.UTC)
    ready = sa.or_(jobs.c.state == "queued",
                   sa.and_(jobs.c.state == "running", jobs.c.lease_until < moment,
                           jobs.c.attempts < MAX_ATTEMPTS))
    candidate = sa.select(jobs.c.id).where(ready).order_by(jobs.c.id).limit(1)
    with writing(engine) as connection:
        if not is_sqlite(connection):
            candidate = candidate.with_for_update(skip_locked=True)
        row = connection.execute(
            jobs.update().where(jobs.c.id == candidate.scalar_subquery())
            .values(state="running", attempts=jobs.c.attempts + 1, worker=worker[:100],
                    lease_until=moment + lease)
            .returning(jobs.c.id, jobs.c.submission_id, jobs.c.attempts)).first()
    return Job(int(row.id), int(row.submission_id), int(row.attempts)) if row else None


def finish(connection: Connection, job_id: int, now: dt.datetime,
           error: str | None = None) -> None:
    connection.execute(jobs.update().where(jobs.c.id == job_id).values(
        state="failed" if error else "done", error=error, finished_at=now, lease_until=None))


def counts(connection: Connection) -> dict[str, int]:
    """How many jobs are in each state."""
    rows = connection.execute(sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state))
    return {str(state): int(n) for state, n in rows}
