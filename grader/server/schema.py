"""The server's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Alembic's migrations (`migrations/versions/`) create and change them; this module is
what the code reads and writes through, and what a new migration is compared against.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A moment, stored as naive UTC, read back as an aware UTC datetime."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        moment: dt.datetime = value
        return moment.replace(tzinfo=dt.UTC)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


settings = sa.Table(
    "settings", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

instructors = sa.Table(
    "instructors", metadata,
    _id(),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

cohorts = sa.Table(
    "cohorts", metadata,
    _id(),
    sa.Column("instructor_id", sa.Integer, sa.ForeignKey("instructors.id"), nullable=False,
              index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("code", sa.String(64), nullable=False, unique=True),  # the enrolment code
    sa.Column("open", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Whether live gradings the learner says passed count (`grader.server.standing`).
    sa.Column("accept_live", sa.Boolean, nullable=False, server_default=sa.false()),
)

learners = sa.Table(
    "learners", metadata,
    _id(),
    sa.Column("public_id", sa.String(40), nullable=False, unique=True),
    sa.Column("cohort_id", sa.Integer, sa.ForeignKey("cohorts.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("revoked", sa.Boolean, nullable=False),
    sa.Column("joined_at", UTCDateTime, nullable=False),
    # Kept by `progress.update` for the grid: one indexed query sorts and pages on them
    # (passed_count: the passes that count, `grader.server.standing`).
    sa.Column("last_activity", UTCDateTime, nullable=True),
    sa.Column("passed_count", sa.Integer, nullable=False),
    sa.Column("incident_count", sa.Integer, nullable=False),
    sa.Index("ix_learners_cohort_name", "cohort_id", "name"),
    sa.Index("ix_learners_cohort_activity", "cohort_id", "last_activity"),
    sa.Index("ix_learners_cohort_passed", "cohort_id", "passed_count"),
    sa.Index("ix_learners_cohort_joined", "cohort_id", "joined_at"),  # joins per code
)

# One incarnation of a learner's simulated account: (account id, link of event 1).
incarnations = sa.Table(
    "incarnations", metadata,
    _id(),
    sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False),
    sa.Column("account_id", sa.String(12), nullable=False),
    sa.Column("first_link", sa.String(64), nullable=False),
    sa.Column("head_seq", sa.Integer, nullable=False),
    sa.Column("head_link", sa.String(64), nullable=False),
    sa.Column("head_time", sa.String(40), nullable=False),  # event_time of the head event
    sa.Column("clock_offset", sa.Float, nullable=False),  # seconds skipped, at the head
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # A branch (`grade restart`, `grade sandbox reset`): the incarnation it started from,
    # the last event it kept of it, and why, as the record's start-over mark declares.
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("incarnations.id"), nullable=True),
    sa.Column("branched_at", sa.Integer, nullable=True),
    sa.Column("start_reason", sa.String(80), nullable=True),
    sa.Index("ix_incarnations_learner_account", "learner_id", "account_id"),
    sa.Index("ix_incarnations_account", "account_id"),
)

# The events of an incarnation, as received: zlib'd JSON of `StoredEvent.to_json()`s.
record_slices = sa.Table(
    "record_slices", metadata,
    _id(),
    sa.Column("incarnation_id", sa.Integer, sa.ForeignKey("incarnations.id"), nullable=False),
    sa.Column("first_seq", sa.Integer, nullable=False),
    sa.Column("last_seq", sa.Integer, nullable=False),
    sa.Column("events", sa.LargeBinary, nullable=False),
    sa.UniqueConstraint("incarnation_id", "first_seq", name="uq_record_slices_incarnation_first"),
)

submissions = sa.Table(
    "submissions", metadata,
    _id(),
    sa.Column("public_id", sa.String(64), nullable=False),  # the submission's own UUID
    sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False),
    sa.Column("exercise", sa.String(80), nullable=False),
    sa.Column("mode", sa.String(16), nullable=False),
    sa.Column("graded_at", UTCDateTime, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("learner_passed", sa.Boolean, nullable=False),
    sa.Column("learner_verdict", sa.JSON, nullable=False),
    sa.Column("answers", sa.Text, nullable=True),
    sa.Column("account", sa.JSON, nullable=True),
    sa.Column("incarnation_id", sa.Integer, sa.ForeignKey("incarnations.id"), nullable=True),
    sa.Column("record_seq", sa.Integer, nullable=True),  # how far its record reached
    # queued | regraded | self-reported | unreplayable | failed
    sa.Column("status", sa.String(16), nullable=False),
    # What it counts for (`grader.server.standing.STANDINGS`): pending, verified, ...
    sa.Column("standing", sa.String(24), nullable=False, server_default="pending"),
    sa.Column("server_passed", sa.Boolean, nullable=True),
    sa.Column("server_verdict", sa.JSON, nullable=True),
    sa.Column("problems", sa.JSON, nullable=True),
    sa.Column("mismatch", sa.Boolean, nullable=False),
    sa.Column("flags", sa.JSON, nullable=False),  # ["time-backwards", "from-the-future", ...]
    sa.Column("flagged", sa.Boolean, nullable=False),  # flags is not empty
    sa.UniqueConstraint("learner_id", "public_id", name="uq_submissions_learner_public"),
    sa.Index("ix_submissions_learner_exercise", "learner_id", "exercise"),
    sa.Index("ix_submissions_exercise", "exercise"),
)

jobs = sa.Table(
    "jobs", metadata,
    _id(),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False,
              unique=True),
    sa.Column("state", sa.String(16), nullable=False),  # queued | running | done | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Column("worker", sa.String(100), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Index("ix_jobs_state", "state", "id"),
)

# What the instructor should know that no stored submission shows: a refused rewrite.
incidents = sa.Table(
    "incidents", metadata,
    _id(),
    sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=False,
              index=True),
    sa.Column("kind", sa.String(32), nullable=False),  # rewrite
    sa.Column("account_id", sa.String(12), nullable=True),
    sa.Column("seq", sa.Integer, nullable=True),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)

# One row per (learner, exercise) with attempts: the grid reads this, never submissions.
progress = sa.Table(
    "progress", metadata,
    sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), primary_key=True),
    sa.Column("exercise", sa.String(80), primary_key=True),
    sa.Column("passed", sa.Boolean, nullable=False),  # a pass that counts (`standing`)
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_at", UTCDateTime, nullable=False),
    sa.Column("mismatches", sa.Integer, nullable=False),
    sa.Column("flagged", sa.Integer, nullable=False),  # attempts with a flag
    sa.Column("pending", sa.Integer, nullable=False),  # attempts not re-graded yet
    # The best of its attempts' states (`grader.server.standing`: passed, passed-live,
    # pending, self-reported, failing), and the standing of its latest attempt that the
    # learner says passed and the server could not check (why it is self-reported).
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("reason", sa.String(24), nullable=True),
)

# Signed-in dashboard sessions (an instructor's or a learner's): the cookie carries a random
# id, the server keeps its SHA-256; signing out deletes the row, and the cookie is dead.
sessions = sa.Table(
    "sessions", metadata,
    sa.Column("digest", sa.String(64), primary_key=True),
    sa.Column("instructor_id", sa.Integer, sa.ForeignKey("instructors.id"), nullable=True,
              index=True),
    sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id"), nullable=True,
              index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# Failures counted per key (an address and an e-mail; an address's wrong enrolment codes),
# shared by every server process: `throttle` makes each try after the free ones wait longer.
throttles = sa.Table(
    "throttles", metadata,
    sa.Column("key", sa.String(320), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure", UTCDateTime, nullable=False, index=True),
)

# Re-grade workers' heartbeats: the dashboard and the log say so when jobs wait and no
# worker has been seen for a while.
workers = sa.Table(
    "workers", metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False, index=True),
)
