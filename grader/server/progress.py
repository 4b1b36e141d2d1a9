"""The grid's summary: one row per (learner, exercise) attempted, and each learner's
count of passes that count and last activity, recomputed from the learner's submissions
whenever one is stored or re-graded, so that the grid is one indexed query however
large the cohort.

A cell's state is the best of its attempts' states, and it counts as passed only as
`grader.server.standing` says: verified by the server's re-grade, or a live pass in a
cohort that accepts live gradings. A pending re-grade or a pass by the learner's word
(self-reported) is shown as such, never counted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from grader.server import standing
from grader.server.prepared import Prepared
from grader.server.schema import cohorts, learners, progress, submissions

_S = submissions.c


def accepts_live(connection: Connection, cohort_id: int) -> bool:
    """Whether the cohort counts live passes (ingest asks with the learner's row locked:
    `set_accept_live` cannot change it meanwhile)."""
    return bool(_ACCEPTS_LIVE.first(connection, {"b_cohort": cohort_id})[0])


def update(connection: Connection, learner_id: int, exercise: str,
           accept_live: bool | None = None) -> None:
    """Recompute the learner's row for `exercise`, and the learner's totals."""
    if accept_live is None:
        accept_live = bool(connection.execute(
            sa.select(cohorts.c.accept_live).join(learners, learners.c.cohort_id == cohorts.c.id)
            .where(learners.c.id == learner_id)).scalar_one())
    groups = connection.execute(
        sa.select(_S.standing, sa.func.count().label("attempts"),
                  sa.func.max(_S.received_at).label("last_at"),
                  sa.func.sum(sa.case((_S.mismatch, 1), else_=0)).label("mismatches"),
                  sa.func.sum(sa.case((_S.flagged, 1), else_=0)).label("flagged"))
        .where(_S.learner_id == learner_id, _S.exercise == exercise)
        .group_by(_S.standing)).all()
    if not groups:
        return
    cell = standing.best(standing.state(g.standing, accept_live) for g in groups)
    # Why the latest attempt that the learner says passed could not be checked.
    claimed = [g for g in groups if g.standing in standing.REASONS]
    reason = max(claimed, key=lambda g: _moment(g.last_at)).standing if claimed else None
    values = {"passed": cell in standing.COUNTED, "state": cell, "reason": reason,
              "attempts": sum(int(g.attempts) for g in groups),
              "last_at": max(_moment(g.last_at) for g in groups),
              "mismatches": sum(int(g.mismatches or 0) for g in groups),
              "flagged": sum(int(g.flagged or 0) for g in groups),
              "pending": sum(int(g.attempts) for g in groups
                             if g.standing == standing.PENDING)}
    changed = connection.execute(progress.update().where(
        progress.c.learner_id == learner_id, progress.c.exercise == exercise).values(**values))
    if not changed.rowcount:
        connection.execute(progress.insert().values(learner_id=learner_id, exercise=exercise,
                                                    **values))
    totals = connection.execute(
        sa.select(sa.func.sum(sa.case((progress.c.passed, 1), else_=0)).label("passed"),
                  sa.func.max(progress.c.last_at).label("last"))
        .where(progress.c.learner_id == learner_id)).one()
    connection.execute(learners.update().where(learners.c.id == learner_id).values(
        passed_count=int(totals.passed or 0), last_activity=_aware(totals.last)))


def set_accept_live(connection: Connection, cohort_id: int, accept: bool) -> int:
    """Make the cohort accept live gradings or not, and recompute the cells that holds
    for (those with a live pass); how many learners' totals were recomputed."""
    # The cohort's learners first, as ingest locks a learner's row before it asks the
    # setting (PostgreSQL; SQLite has one writer): a submission being taken is committed
    # before the cells are read again, and one taken later sees the new setting.
    connection.execute(sa.select(learners.c.id).where(learners.c.cohort_id == cohort_id)
                       .order_by(learners.c.id).with_for_update()).all()
    connection.execute(cohorts.update().where(cohorts.c.id == cohort_id)
                       .values(accept_live=accept))
    cells = connection.execute(
        sa.select(_S.learner_id, _S.exercise).distinct()
        .join(learners, learners.c.id == _S.learner_id)
        .where(learners.c.cohort_id == cohort_id, _S.standing == standing.LIVE)
        .order_by(_S.learner_id, _S.exercise)).all()
    for learner_id, exercise in cells:
        update(connection, int(learner_id), str(exercise), accept)
    return len({learner_id for learner_id, _ in cells})


def note_attempt(connection: Connection, learner_id: int, exercise: str, attempt: str,
                 accept_live: bool, flagged: bool, received: dt.datetime) -> None:
    """What `update` would make of one more attempt whose standing is `attempt`, without
    reading every attempt again (ingest's share of the work: `update` recomputes all
    when the attempt is re-graded)."""
    state = standing.state(attempt, accept_live)
    reason = attempt if attempt in standing.REASONS else None
    counted = state in standing.COUNTED
    pending = int(attempt == standing.PENDING)
    old = _ROW.first(connection, {"b_learner": learner_id, "b_exercise": exercise})
    if old is None:
        _FIRST.count(connection, {
            "learner_id": learner_id, "exercise": exercise, "passed": counted,
            "state": state, "reason": reason, "attempts": 1, "last_at": received,
            "mismatches": 0, "flagged": int(flagged), "pending": pending})
        became = counted
    else:
        cell = standing.best([str(old.state), state])
        counted = cell in standing.COUNTED
        _ATTEMPT.count(connection, {
            "b_learner": learner_id, "b_exercise": exercise, "b_passed": counted,
            "b_state": cell, "b_reason": reason or old.reason, "b_last_at": received,
            "b_flagged": int(flagged), "b_pending": pending})
        became = counted and not old.passed
    _ACTIVE.count(connection, {"b_learner": learner_id, "b_became": int(became),
                               "b_at": received})


# Prepared once: ingest runs them for every submission (see `prepared`).
_FIRST = Prepared(progress.insert(), columns=[
    "learner_id", "exercise", "passed", "state", "reason", "attempts", "last_at",
    "mismatches", "flagged", "pending"])
_ACCEPTS_LIVE = Prepared(sa.select(cohorts.c.accept_live).where(
    cohorts.c.id == sa.bindparam("b_cohort")))
_ROW = Prepared(sa.select(progress.c.passed, progress.c.state, progress.c.reason).where(
    progress.c.learner_id == sa.bindparam("b_learner"),
    progress.c.exercise == sa.bindparam("b_exercise")))
_ATTEMPT = Prepared(progress.update().where(
    progress.c.learner_id == sa.bindparam("b_learner"),
    progress.c.exercise == sa.bindparam("b_exercise")).values(
    passed=sa.bindparam("b_passed"), state=sa.bindparam("b_state"),
    reason=sa.bindparam("b_reason"), attempts=progress.c.attempts + 1,
    last_at=sa.bindparam("b_last_at"), flagged=progress.c.flagged + sa.bindparam("b_flagged"),
    pending=progress.c.pending + sa.bindparam("b_pending")))
_ACTIVE = Prepared(learners.update().where(learners.c.id == sa.bindparam("b_learner")).values(
    passed_count=learners.c.passed_count + sa.bindparam("b_became"),
    last_activity=sa.bindparam("b_at")))


def _moment(value: Any) -> dt.datetime:
    moment: dt.datetime = value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)
