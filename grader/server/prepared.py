"""Statements compiled once per database dialect and run on the driver's own cursor.

Ingest runs about ten small statements per submission inside SQLite's one write
transaction at a time, and SQLAlchemy's work around each execution (execution context,
events, result objects) costs several times SQLite's own: measured, 82% of the write
section (bench/RESULTS.md). A `Prepared` statement is made with SQLAlchemy Core as
everywhere else, compiled by the engine's dialect, and its parameters converted by the
same type processors SQLAlchemy would use (UTC times, JSON, booleans); only the
execution is the driver's. Rows come back as named tuples of the driver's values (no
result processing: SQLite's booleans are 0 or 1)."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # bind names in order (positional paramstyles)
    defaults: dict[str, Any]  # the values bound in the statement itself (`+ 1`)
    processors: dict[str, Callable[[Any], Any]]
    escaped: dict[str, str]


class Prepared:
    """`statement` (an INSERT may name its `columns`), ready to run on any connection."""

    def __init__(self, statement: sa.ClauseElement, columns: list[str] | None = None) -> None:
        self.statement = statement
        self.columns = columns
        self._by_dialect: dict[str, _Compiled] = {}
        self._row_type: Any = None

    def _for(self, dialect: Dialect) -> _Compiled:
        key = f"{dialect.name}+{dialect.driver}"
        made = self._by_dialect.get(key)
        if made is None:
            compiled: Any = self.statement.compile(dialect=dialect, column_keys=self.columns)
            processors, defaults = {}, {}
            for name, bind in compiled.binds.items():
                if not bind.required:
                    defaults[name] = bind.effective_value
                process = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if process is not None:
                    processors[name] = process
            made = _Compiled(compiled.string,
                             tuple(compiled.positiontup) if compiled.positional else None,
                             defaults, processors, dict(compiled.escaped_bind_names or {}))
            self._by_dialect[key] = made
        return made

    def run(self, connection: Connection, parameters: Mapping[str, Any] | None = None) -> Any:
        """Execute in `connection`'s transaction; the driver's cursor."""
        made = self._for(connection.dialect)
        values = {**made.defaults, **(parameters or {})}
        for name, process in made.processors.items():
            values[name] = process(values[name])
        cursor = connection.connection.cursor()
        if made.positions is not None:
            cursor.execute(made.sql, tuple(values[name] for name in made.positions))
        else:
            cursor.execute(made.sql, {made.escaped.get(k, k): v for k, v in values.items()})
        return cursor

    def rows(self, connection: Connection, parameters: Mapping[str, Any] | None = None,
             ) -> list[Any]:
        """The rows it selects (or returns), as named tuples."""
        cursor = self.run(connection, parameters)
        try:
            if self._row_type is None:
                self._row_type = namedtuple("Row", [d[0] for d in cursor.description])  # type: ignore[misc]
            return [self._row_type(*row) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def first(self, connection: Connection, parameters: Mapping[str, Any] | None = None,
              ) -> Any:
        """The first row (or None)."""
        found = self.rows(connection, parameters)
        return found[0] if found else None

    def count(self, connection: Connection, parameters: Mapping[str, Any] | None = None,
              ) -> int:
        """Run it; the rows it changed."""
        cursor = self.run(connection, parameters)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()
