"""Engines and transactions, the same calls on SQLite and PostgreSQL.

SQLite: one file in WAL mode, `synchronous=FULL` (a 2xx answer is on disk before it is
sent), foreign keys on, and a transaction that writes starts with `BEGIN IMMEDIATE`
(`writing`) so that two writers queue on the busy timeout instead of failing to
upgrade their locks. PostgreSQL: `postgresql+psycopg://...`.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE = "grade_server_immediate"


def home() -> Path:
    """Where the server keeps its files by default: GRADE_SERVER_HOME or ~/.grade-server."""
    configured = os.environ.get("GRADE_SERVER_HOME")
    return Path(configured) if configured else Path.home() / ".grade-server"


def default_url() -> str:
    return f"sqlite:///{home() / 'server.sqlite'}"


def url_from_env() -> str:
    """The database the server's processes use: GRADE_SERVER_DATABASE, else the default."""
    return os.environ.get("GRADE_SERVER_DATABASE") or default_url()


class BadDatabaseURL(ValueError):
    """A database URL this server cannot use."""


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def connect(url: str) -> Engine:
    """An engine for `url` (sqlite:///PATH or postgresql+psycopg://...)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise BadDatabaseURL(f"{url!r} is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise BadDatabaseURL("the SQLite database must be a file (sqlite:///PATH)")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000,
                                                        "check_same_thread": False},
                                  pool_size=8, max_overflow=32)
        _sqlite_events(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed, pool_size=8, max_overflow=16, pool_pre_ping=True)
    raise BadDatabaseURL(f"{parsed.get_backend_name()} is not supported: use sqlite:///PATH "
                         "or postgresql+psycopg://USER@HOST/DB")


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # SQLAlchemy says when transactions begin (below)
        cursor = dbapi.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write: committed when the block ends, rolled back on error.

    SQLite has one writer at a time; the others wait in its busy handler, which sleeps
    1, 2, 5, 10... up to 100 ms between tries, whatever the writer before them is doing.
    So writers (threads and processes alike) first queue on a lock file beside the
    database, which wakes the next one as soon as the writer before it is done."""
    with _writers_queue(engine), engine.connect() as connection:
        connection = connection.execution_options(**{_IMMEDIATE: True})
        with connection.begin():
            yield connection


@contextmanager
def _writers_queue(engine: Engine) -> Iterator[None]:
    if not is_sqlite(engine) or not engine.url.database:
        yield
        return
    descriptor = os.open(f"{engine.url.database}.writers", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # and the lock with it


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction."""
    with engine.connect() as connection, connection.begin():
        yield connection


def insert_id(connection: Connection, statement: sa.Insert) -> int:
    """Run an INSERT into a table with an `id` column; the new row's id."""
    table: Any = statement.table
    return int(connection.execute(statement.returning(table.c.id)).scalar_one())
