"""Engines and transactions, the same calls on SQLite and PostgreSQL.

SQLite: one file in WAL mode, `synchronous=FULL` (a 2xx answer is on disk before it is
sent), foreign keys on, and a transaction that writes starts with `BEGIN IMMEDIATE`
(`writing`) so that two writers queue on the busy timeout instead of failing to
upgrade their locks. PostgreSQL: `postgresql+psycopg://...`.

The SQLite database holds secrets (instructors' password hashes, the cookie signing key,
learners' simulated accounts): its files (the database, -wal, -shm, -journal and the
writers' lock file) are owner-only, made so when created and checked each time an engine
is made: too open, they are made owner-only (and the log says so); someone else's, the
server refuses them (`UnsafeDatabase`).
"""

from __future__ import annotations

import fcntl
import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE = "grade_server_immediate"
OWNER_ONLY = 0o600
COMPANIONS = ("", "-wal", "-shm", "-journal", ".writers")  # suffixes of the database's files
log = logging.getLogger("grade-server")


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


class UnsafeDatabase(ValueError):
    """A database file that others could read and that this server cannot make its own."""


def secure_sqlite_files(database: str) -> list[str]:
    """Make the SQLite database's files owner-only (creating the database file so, and its
    folder 0700 when it is new); what was changed, in words. `UnsafeDatabase` when a file
    belongs to another user (whoever owns it reads it, whatever its mode)."""
    path = Path(database)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY))
    changed = []
    for suffix in COMPANIONS:
        name = Path(f"{path}{suffix}")
        try:
            info = name.stat()
        except FileNotFoundError:
            continue
        if info.st_uid != os.geteuid():
            raise UnsafeDatabase(
                f"{name} belongs to user id {info.st_uid}, not to the user running "
                f"grade-server ({os.geteuid()}): run grade-server as its owner, or chown it")
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            try:
                os.chmod(name, OWNER_ONLY)
            except OSError as failure:
                raise UnsafeDatabase(f"{name} can be read by others (mode {mode:04o}) and "
                                     f"cannot be made owner-only ({failure.strerror}): "
                                     "chmod 600 it") from None
            changed.append(f"made {name} owner-only (it was {mode:04o})")
    return changed


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def connect(url: str) -> Engine:
    """An engine for `url` (sqlite:///PATH or postgresql+psycopg://...); `BadDatabaseURL`,
    or for SQLite `UnsafeDatabase` (see `secure_sqlite_files`)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise BadDatabaseURL(f"{url!r} is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise BadDatabaseURL("the SQLite database must be a file (sqlite:///PATH)")
        for change in secure_sqlite_files(parsed.database):
            log.warning("%s", change)
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
