"""Migrations on a database that holds a class's data, not only on an empty one: a
learner's record kept in the old schema is still there, whole, in the new one (SQLite
makes a table again to change its constraints, with foreign keys pointing at it)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from grader.server import migrate
from grader.server.database import connect
from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import server_database_fixture

pytestmark = pytest.mark.xdist_group("server")
_ = server_database_fixture

CLASS_IN_0001 = [
    "INSERT INTO instructors (id, email, password_hash, created_at) "
    "VALUES (1, 'teacher@example.com', 'x', '2026-11-30 10:00:00')",
    "INSERT INTO cohorts (id, instructor_id, name, code, open, created_at) "
    "VALUES (1, 1, 'Cohort A', 'CODE1', true, '2026-11-30 10:00:00')",
    "INSERT INTO learners (id, public_id, cohort_id, name, token_digest, revoked, joined_at, "
    "passed_count, incident_count) VALUES (1, 'p1', 1, 'Ada', 'd1', false, "
    "'2026-11-30 10:00:00', 0, 0)",
    "INSERT INTO incarnations (id, learner_id, account_id, first_link, head_seq, head_link, "
    "head_time, clock_offset, started_at, updated_at) VALUES (1, 1, '123456789012', 'f', 3, "
    "'h', '2026-11-30T10:00:00+00:00', 0, '2026-11-30 10:00:00', '2026-11-30 10:00:00')",
    "INSERT INTO record_slices (id, incarnation_id, first_seq, last_seq, events) "
    "VALUES (1, 1, 1, 3, :blob)",
]


def test_a_class_kept_in_the_first_schema_is_carried_over(server_database: str) -> None:
    engine = connect(server_database)
    config = migrate._config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        for statement in CLASS_IN_0001:
            connection.execute(sa.text(statement), {"blob": b"events"})
    migrate.upgrade(engine)
    assert migrate.is_current(engine)
    with engine.connect() as connection:
        row = connection.execute(sa.text(
            "SELECT i.learner_id, i.head_seq, i.parent_id, s.events FROM incarnations i "
            "JOIN record_slices s ON s.incarnation_id = i.id")).one()
        assert (row.learner_id, row.head_seq, row.parent_id, bytes(row.events)) == \
            (1, 3, None, b"events")
        # Branches may now share their first events (a restart): no longer one per start.
        connection.execute(sa.text(
            "INSERT INTO incarnations (id, learner_id, account_id, first_link, head_seq, "
            "head_link, head_time, clock_offset, started_at, updated_at, parent_id, "
            "branched_at) VALUES (2, 1, '123456789012', 'f', 5, 'h2', 't', 0, "
            "'2026-12-01 10:00:00', '2026-12-01 10:00:00', 1, 2)"))
    engine.dispose()
