"""The grid's summary: one row per (learner, exercise) attempted, and each learner's
passed count and last activity, recomputed from the learner's submissions whenever one
is stored or re-graded, so that the grid is one indexed query however large the cohort.

An attempt counts as passed by the server's verdict once re-graded, by the learner's
word until then (pending) or when it cannot be re-graded (self-reported, unreplayable,
failed): such a pass is marked `unverified`."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from grader.server.prepared import Prepared
from grader.server.schema import learners, progress, submissions

_S = submissions.c


def effective_passed() -> sa.ColumnElement[bool]:
    """Whether an attempt passed: the server's verdict when it has one, else the learner's."""
    return sa.case((_S.status == "regraded", _S.server_passed), else_=_S.learner_passed)


def update(connection: Connection, learner_id: int, exercise: str) -> None:
    """Recompute the learner's row for `exercise`, and the learner's totals."""
    passed = effective_passed()
    verified = sa.and_(_S.status == "regraded", _S.server_passed.is_(True))
    row = connection.execute(
        sa.select(sa.func.count().label("attempts"),
                  sa.func.max(_S.received_at).label("last_at"),
                  sa.func.sum(sa.case((_S.mismatch, 1), else_=0)).label("mismatches"),
                  sa.func.sum(sa.case((_S.flagged, 1), else_=0)).label("flagged"),
                  sa.func.sum(sa.case((_S.status == "queued", 1), else_=0)).label("pending"),
                  sa.func.max(sa.case((passed.is_(True), 1), else_=0)).label("passed"),
                  sa.func.max(sa.case((verified, 1), else_=0)).label("verified"))
        .where(_S.learner_id == learner_id, _S.exercise == exercise)).one()
    if not row.attempts:
        return
    values = {"passed": bool(row.passed), "attempts": int(row.attempts),
              "last_at": row.last_at, "mismatches": int(row.mismatches or 0),
              "flagged": int(row.flagged or 0), "pending": int(row.pending or 0),
              "unverified": bool(row.passed) and not row.verified}
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


def note_attempt(connection: Connection, learner_id: int, exercise: str, passed: bool,
                 flagged: bool, pending: bool, received: dt.datetime) -> None:
    """What `update` would make of one more attempt, without reading every attempt again
    (ingest's share of the work: `update` recomputes all when the attempt is re-graded)."""
    old = _ROW.first(connection, {"b_learner": learner_id, "b_exercise": exercise})
    if old is None:
        _FIRST.count(connection, {
            "learner_id": learner_id, "exercise": exercise, "passed": passed, "attempts": 1,
            "last_at": received, "mismatches": 0, "flagged": int(flagged),
            "pending": int(pending), "unverified": passed})
        became = passed
    else:
        verified = bool(old.passed) and not old.unverified
        now_passed = bool(old.passed) or passed
        _ATTEMPT.count(connection, {
            "b_learner": learner_id, "b_exercise": exercise, "b_passed": now_passed,
            "b_unverified": now_passed and not verified, "b_last_at": received,
            "b_flagged": int(flagged), "b_pending": int(pending)})
        became = now_passed and not old.passed
    _ACTIVE.count(connection, {"b_learner": learner_id, "b_became": int(became),
                               "b_at": received})


# Prepared once: ingest runs them for every submission (see `prepared`).
_FIRST = Prepared(progress.insert(), columns=[
    "learner_id", "exercise", "passed", "attempts", "last_at", "mismatches", "flagged",
    "pending", "unverified"])
_ROW = Prepared(sa.select(progress.c.passed, progress.c.unverified).where(
    progress.c.learner_id == sa.bindparam("b_learner"),
    progress.c.exercise == sa.bindparam("b_exercise")))
_ATTEMPT = Prepared(progress.update().where(
    progress.c.learner_id == sa.bindparam("b_learner"),
    progress.c.exercise == sa.bindparam("b_exercise")).values(
    passed=sa.bindparam("b_passed"), unverified=sa.bindparam("b_unverified"),
    attempts=progress.c.attempts + 1, last_at=sa.bindparam("b_last_at"),
    flagged=progress.c.flagged + sa.bindparam("b_flagged"),
    pending=progress.c.pending + sa.bindparam("b_pending")))
_ACTIVE = Prepared(learners.update().where(learners.c.id == sa.bindparam("b_learner")).values(
    passed_count=learners.c.passed_count + sa.bindparam("b_became"),
    last_activity=sa.bindparam("b_at")))


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)
