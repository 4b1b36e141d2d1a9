"""Server-side sessions (sign-out ends them), failure throttles shared by every process,
re-grade workers' heartbeats, and the index that counts a cohort's joins per minute.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 10:00:00
"""

# ruff: noqa: E501  (in alembic's generated shape)
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sessions',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('instructor_id', sa.Integer(), nullable=True),
    sa.Column('learner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['instructor_id'], ['instructors.id'], name=op.f('fk_sessions_instructor_id_instructors')),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.id'], name=op.f('fk_sessions_learner_id_learners')),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_sessions'))
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sessions_instructor_id'), ['instructor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sessions_expires_at'), ['expires_at'], unique=False)

    op.create_table('throttles',
    sa.Column('key', sa.String(length=320), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttles'))
    )
    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttles_last_failure'), ['last_failure'], unique=False)

    op.create_table('workers',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_workers'))
    )
    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workers_seen_at'), ['seen_at'], unique=False)

    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.create_index('ix_learners_cohort_joined', ['cohort_id', 'joined_at'], unique=False)

    # The session signing key no longer makes a session by itself; a new one is made.
    op.execute("DELETE FROM settings WHERE name = 'session_key'")


def downgrade() -> None:
    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.drop_index('ix_learners_cohort_joined')

    with op.batch_alter_table('workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workers_seen_at'))

    op.drop_table('workers')
    with op.batch_alter_table('throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttles_last_failure'))

    op.drop_table('throttles')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_expires_at'))
        batch_op.drop_index(batch_op.f('ix_sessions_learner_id'))
        batch_op.drop_index(batch_op.f('ix_sessions_instructor_id'))

    op.drop_table('sessions')
