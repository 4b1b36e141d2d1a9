"""Passes that count: a cohort's choice to accept live gradings, each submission's
standing (pending, verified, not-passed, or self-reported with why), and the grid's
cells' state and reason in place of "unverified" (grader/server/standing.py).

Existing data is carried over as the server now reads it: a re-graded pass is verified;
a submission still queued is pending; a pass the server could not re-grade (a live
grading, a record that did not replay, a failed re-grade) is self-reported, and no
longer counts. The grid's cells and the learners' totals are recomputed to match.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The tables as this migration sees them (not grader.server.schema: it changes later).
_submissions = sa.table(
    "submissions", sa.column("learner_id", sa.Integer), sa.column("exercise", sa.String),
    sa.column("mode", sa.String), sa.column("status", sa.String),
    sa.column("learner_passed", sa.Boolean), sa.column("server_passed", sa.Boolean),
    sa.column("standing", sa.String))
_progress = sa.table(
    "progress", sa.column("learner_id", sa.Integer), sa.column("exercise", sa.String),
    sa.column("passed", sa.Boolean), sa.column("state", sa.String),
    sa.column("reason", sa.String))
_learners = sa.table("learners", sa.column("id", sa.Integer),
                     sa.column("passed_count", sa.Integer))


def upgrade() -> None:
    # cohorts and submissions are referenced by other tables: columns are added to them
    # in place (SQLite would have to make them again to change them otherwise).
    op.add_column('cohorts', sa.Column('accept_live', sa.Boolean(), server_default=sa.false(),
                                       nullable=False))
    op.add_column('submissions', sa.Column('standing', sa.String(length=24),
                                           server_default='pending', nullable=False))
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.String(length=24), nullable=True))
        batch_op.drop_column('unverified')

    s = _submissions.c
    op.execute(_submissions.update().values(standing=sa.case(
        (s.status == "queued", "pending"),
        (s.status == "regraded",
         sa.case((s.server_passed.is_(True), "verified"), else_="not-passed")),
        (s.learner_passed.is_(False), "not-passed"),
        (s.mode == "live", "live"),
        else_="not-regraded")))

    # A cell's state is the best of its attempts' (no cohort accepts live gradings yet).
    mine = sa.and_(s.learner_id == _progress.c.learner_id, s.exercise == _progress.c.exercise)
    rank = sa.select(sa.func.max(sa.case(
        (s.standing == "verified", 5), (s.standing == "pending", 3),
        (s.standing == "not-passed", 1), else_=2))).where(mine).scalar_subquery()
    op.execute(_progress.update().values(state=sa.case(
        (rank == 5, "passed"), (rank == 3, "pending"), (rank == 2, "self-reported"),
        else_="failing")))
    op.execute(_progress.update().values(
        passed=_progress.c.state == "passed",
        reason=sa.select(sa.func.max(s.standing)).where(
            mine, s.standing.not_in(["verified", "pending", "not-passed"])).scalar_subquery()))
    op.execute(_learners.update().values(passed_count=sa.select(sa.func.count()).where(
        _progress.c.learner_id == _learners.c.id, _progress.c.passed.is_(True))
        .scalar_subquery()))

    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.alter_column('state', existing_type=sa.String(length=16), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unverified', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.drop_column('reason')
        batch_op.drop_column('state')
    op.drop_column('submissions', 'standing')
    op.drop_column('cohorts', 'accept_live')
