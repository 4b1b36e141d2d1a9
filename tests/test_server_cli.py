"""`grade-server`'s commands (the real executable): init, migrate, cohort create, bad
input as one line and a distinct exit status; and the migrations make exactly the schema
the code uses (`grader/server/schema.py`), on SQLite and PostgreSQL."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from grader.server.database import connect
from grader.server.schema import metadata
from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import PASSWORD, grade_server, server_database_fixture  # noqa: F401

# The server tests share one worker (scripts/test: --dist loadgroup), so that each module's
# servers and the PostgreSQL cluster start once, not once per worker.
pytestmark = pytest.mark.xdist_group("server")


def test_init_migrate_and_cohort_create(server_database: str, tmp_path: Path) -> None:
    init = grade_server(tmp_path, server_database, "init", "--email", "T@Example.com",
                        "--password-stdin", input=PASSWORD + "\n")
    assert init.returncode == 0, init.stderr
    assert "t@example.com" in init.stdout
    again = grade_server(tmp_path, server_database, "migrate")
    assert again.returncode == 0 and "current" in again.stdout
    made = grade_server(tmp_path, server_database, "cohort", "create", "Spring",
                        "--instructor", "t@example.com")
    assert made.returncode == 0 and len(made.stdout.strip()) == 11
    engine = connect(server_database)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert differences == []  # a schema change without its migration fails here


@pytest.mark.parametrize("args, status, words", [
    (["cohort", "create", "X", "--instructor", "nobody@example.com"], 2, "no instructor"),
    (["serve", "--database", "mysql://x/y"], 2, "not supported"),
    (["serve", "--database", "sqlite:///:memory:"], 2, "must be a file"),
    (["init", "--email", "not-an-email", "--password-stdin"], 2, "not an e-mail"),
    (["init", "--email", "a@b.c", "--password-stdin"], 2, "at least 12"),
    (["serve", "--database", "postgresql+psycopg://nobody@127.0.0.1:1/none"], 3,
     "cannot reach"),
])
def test_bad_input_is_one_line_and_a_distinct_status(tmp_path: Path, args: list[str],
                                                     status: int, words: str) -> None:
    url = f"sqlite:///{tmp_path}/fresh.sqlite"
    if args[0] == "cohort":
        assert grade_server(tmp_path, url, "init", "--email", "t@example.com",
                            "--password-stdin", input=PASSWORD + "\n").returncode == 0
    done = grade_server(tmp_path, url, *args, input="short\n")
    assert done.returncode == status, done.stderr
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_serve_refuses_a_database_without_its_schema(tmp_path: Path) -> None:
    done = grade_server(tmp_path, f"sqlite:///{tmp_path}/empty.sqlite", "serve", "--port", "1")
    assert done.returncode == 3 and "grade-server migrate" in done.stderr


def test_init_checks_the_password_before_it_creates_anything(
        server_database: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Without a terminal, `init` used to create the database, then fail on the password."""
    if server_database.startswith("sqlite"):
        url = f"sqlite:///{tmp_path}/new-folder/server.sqlite"
    else:  # an empty database of its own (the module's has the first test's tables)
        url = str(request.getfixturevalue("postgres_cluster").new_database())
    for args, stdin, words in [
            ([], "", "--password-stdin"),  # no terminal to ask on, and no --password-stdin
            (["--password-stdin"], "short\n", "at least 12"),
            (["--password-stdin"], "", "at least 12")]:
        done = grade_server(tmp_path, url, "init", "--email", "t@example.com", *args,
                            input=stdin)
        assert done.returncode == 2, done.stderr
        assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr
        assert _nothing_made(url, tmp_path), args
    made = grade_server(tmp_path, url, "init", "--email", "t@example.com", "--password-stdin",
                        input=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    again = grade_server(tmp_path, url, "init", input="")  # nothing to ask: it has one
    assert again.returncode == 0 and "has its instructors already" in again.stdout
    if url.startswith("sqlite"):
        folder = tmp_path / "new-folder"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / "server.sqlite").stat().st_mode) == 0o600


def _nothing_made(url: str, tmp_path: Path) -> bool:
    if url.startswith("sqlite"):
        return not (tmp_path / "new-folder").exists()
    engine = connect(url)
    try:
        with engine.connect() as connection:
            return sa.inspect(connection).get_table_names() == []
    finally:
        engine.dispose()
