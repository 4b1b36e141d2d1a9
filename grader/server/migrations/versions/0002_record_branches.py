"""Branches of a learner's record: several incarnations may share their first events
(`grade restart` cuts the record back and goes on from there), each saying which one it
branched from, where, and why; incarnations found by account id across learners (one
account, one learner).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 16:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incarnations") as batch:
        batch.drop_constraint("uq_incarnations_learner_account_first", type_="unique")
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("branched_at", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("start_reason", sa.String(length=80), nullable=True))
        batch.create_foreign_key(op.f("fk_incarnations_parent_id_incarnations"),
                                 "incarnations", ["parent_id"], ["id"])
        batch.create_index("ix_incarnations_learner_account", ["learner_id", "account_id"])
        batch.create_index("ix_incarnations_account", ["account_id"])


def downgrade() -> None:
    with op.batch_alter_table("incarnations") as batch:
        batch.drop_index("ix_incarnations_account")
        batch.drop_index("ix_incarnations_learner_account")
        batch.drop_constraint(op.f("fk_incarnations_parent_id_incarnations"),
                              type_="foreignkey")
        batch.drop_column("start_reason")
        batch.drop_column("branched_at")
        batch.drop_column("parent_id")
        batch.create_unique_constraint("uq_incarnations_learner_account_first",
                                       ["learner_id", "account_id", "first_link"])
