"""Schema migrations (alembic, `migrations/`): bring a database to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    """Apply every migration the database lacks (none: nothing happens).

    On SQLite a migration that changes a table's constraints makes the table again
    (alembic's batch mode: a new table, the rows copied, the old one dropped), which
    foreign keys that point at it forbid: they are off while migrating, as SQLite's
    ALTER TABLE page says to do, and checked whole before the migration is kept."""
    config = _config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # on the driver's connection: outside a transaction, or SQLite ignores it
            _pragma(connection, "foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:3]}")
        finally:
            if sqlite:
                _pragma(connection, "foreign_keys=ON")


def _pragma(connection: Connection, setting: str) -> None:
    """Set a SQLite PRAGMA on the driver's connection, outside any transaction (SQLAlchemy
    would begin one first: `database._sqlite_events`)."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA {setting}")
    finally:
        cursor.close()


def is_current(engine: Engine) -> bool:
    """Whether the database has every migration (a serving process refuses to start if not)."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def revision(engine: Engine, message: str) -> None:
    """Write a new migration from the difference between `schema` and the database
    (for developers: `python -m grader.server.migrate "what changed"`)."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    import sys

    from grader.server.database import connect, url_from_env

    target = connect(url_from_env())
    upgrade(target)
    revision(target, sys.argv[1])
