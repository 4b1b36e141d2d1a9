"""The re-grade queue, in the database: one job per submission to re-grade.

A worker claims a job (queued, paused, or running with its lease run out: its worker
died) in one statement: on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so that workers
on several machines never take the same job; on SQLite the statement itself is atomic.
A job whose workers died `MAX_ATTEMPTS` times is failed.

The workers are shared fairly between learners: the job claimed is the oldest of the
learner with the fewest jobs in hand (running or paused), and among those, of the learner
whose last turn ended longest ago (never: first; among learners never served, the one
whose record is shortest: a first re-grade rebuilds the whole record, so that is the
quickest turn). So a learner with many jobs queued has one served in turn with everyone
else, and a long re-grade (a learner's first, 10,000 events in) does not hold the others
up: between steps it asks `others_waiting`, and if another learner's job waits it is
`pause`d (its account kept as far as it got, by the worker, which takes it up again
first: `AFFINITY`) and goes back in the round.
`finished_at` is when a job's last turn ended (paused or done)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from grader.server.database import is_sqlite, reading, writing
from grader.server.prepared import Prepared
from grader.server.schema import jobs, submissions

LEASE = dt.timedelta(seconds=120)
MAX_ATTEMPTS = 3
# A paused job is its worker's to take up (it holds the account as far as it got) for this
# long; then any worker's.
AFFINITY = dt.timedelta(seconds=30)


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
    theirs, their_submission = jobs.alias("theirs"), submissions.alias("their_submission")
    of_the_learner = sa.and_(their_submission.c.id == theirs.c.submission_id,
                             their_submission.c.learner_id == submissions.c.learner_id)
    in_hand = sa.select(sa.func.count()).select_from(theirs).select_from(their_submission) \
        .where(of_the_learner, _in_hand(theirs, moment)).scalar_subquery()
    last_turn = sa.select(sa.func.max(theirs.c.finished_at)).select_from(theirs) \
        .select_from(their_submission).where(of_the_learner).scalar_subquery()
    candidate = (sa.select(jobs.c.id)
                 .select_from(jobs.join(submissions, submissions.c.id == jobs.c.submission_id))
                 .where(_ready(worker, moment))
                 .order_by(in_hand, last_turn.asc().nulls_first(),
                           sa.func.coalesce(submissions.c.record_seq, 0), jobs.c.id).limit(1))
    with writing(engine) as connection:
        if not is_sqlite(connection):
            candidate = candidate.with_for_update(of=jobs, skip_locked=True)
        row = connection.execute(
            jobs.update().where(jobs.c.id == candidate.scalar_subquery())
            .values(state="running", attempts=jobs.c.attempts + 1, worker=worker[:100],
                    lease_until=moment + lease)
            .returning(jobs.c.id, jobs.c.submission_id, jobs.c.attempts)).first()
    return Job(int(row.id), int(row.submission_id), int(row.attempts)) if row else None


def _ready(worker: str, moment: dt.datetime) -> sa.ColumnElement[bool]:
    """Jobs `worker` may claim at `moment`."""
    return sa.or_(jobs.c.state == "queued",
                  sa.and_(jobs.c.state == "paused",
                          sa.or_(jobs.c.worker == worker[:100], jobs.c.lease_until < moment)),
                  sa.and_(jobs.c.state == "running", jobs.c.lease_until < moment,
                          jobs.c.attempts < MAX_ATTEMPTS))


def _in_hand(table: Any, moment: dt.datetime) -> sa.ColumnElement[bool]:
    """Jobs of `table` begun and not finished: running (alive) or paused."""
    return sa.or_(table.c.state == "paused",
                  sa.and_(table.c.state == "running", table.c.lease_until >= moment))


def others_waiting(engine: Engine, job_id: int, worker: str,
                   now: dt.datetime | None = None) -> bool:
    """Whether `worker` could claim a job of a learner other than job `job_id`'s."""
    moment = now or dt.datetime.now(dt.UTC)
    mine, my_submission = jobs.alias("mine"), submissions.alias("my_submission")
    learner = sa.select(my_submission.c.learner_id).select_from(mine).select_from(
        my_submission).where(mine.c.id == job_id,
                             my_submission.c.id == mine.c.submission_id).scalar_subquery()
    with reading(engine) as connection:
        return connection.execute(
            sa.select(jobs.c.id)
            .select_from(jobs.join(submissions, submissions.c.id == jobs.c.submission_id))
            .where(_ready(worker, moment), submissions.c.learner_id != learner)
            .limit(1)).first() is not None


def pause(connection: Connection, job_id: int, now: dt.datetime) -> None:
    """Put a job its worker stopped between steps back in the round (not an attempt)."""
    connection.execute(jobs.update().where(jobs.c.id == job_id).values(
        state="paused", attempts=jobs.c.attempts - 1, finished_at=now,
        lease_until=now + AFFINITY))


def finish(connection: Connection, job_id: int, now: dt.datetime,
           error: str | None = None) -> None:
    connection.execute(jobs.update().where(jobs.c.id == job_id).values(
        state="failed" if error else "done", error=error, finished_at=now, lease_until=None))


def counts(connection: Connection) -> dict[str, int]:
    """How many jobs are in each state."""
    rows = connection.execute(sa.select(jobs.c.state, sa.func.count()).group_by(jobs.c.state))
    return {str(state): int(n) for state, n in rows}
