"""A submission's record as the server holds it, read from the database only as needed.

A re-grade is given the whole record of the learner's account up to their grading
(`grader.server.regrade`). Most often the worker already holds that account rebuilt up to
an earlier event (`grader.server.kept_accounts`) and needs only the events after it: a
long record is then not read (nor unpacked) at all. `HeldEvents` is the whole record as a
sequence (read once, when first used as one) that can also give just its end (`after`).
An incarnation's events never change once the server holds them (`records.extend` only
adds after its head), so "incarnation, seq" names the same events for ever.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grader.progress.submission import StoredEvent
from grader.server.database import reading
from grader.server.records import unpack
from grader.server.schema import record_slices


class HeldEvents(Sequence[StoredEvent]):
    """Events 1..`seq` of incarnation `incarnation_id`, as the server holds them."""

    def __init__(self, engine: Engine, incarnation_id: int, seq: int) -> None:
        self.engine = engine
        self.incarnation_id = incarnation_id
        self.seq = seq
        self._all: list[StoredEvent] | None = None

    def after(self, seq: int) -> list[StoredEvent]:
        """The events after event `seq`, up to `self.seq`, in order."""
        if self._all is not None:
            return [e for e in self._all if e.seq > seq]
        with reading(self.engine) as connection:
            rows = connection.execute(
                sa.select(record_slices.c.events)
                .where(record_slices.c.incarnation_id == self.incarnation_id,
                       record_slices.c.first_seq <= self.seq,
                       record_slices.c.last_seq > seq)
                .order_by(record_slices.c.first_seq)).all()
        return [e for row in rows for e in unpack(row.events) if seq < e.seq <= self.seq]

    def _events(self) -> list[StoredEvent]:
        if self._all is None:
            self._all = self.after(0)
        return self._all

    def __len__(self) -> int:
        return len(self._events())

    @overload
    def __getitem__(self, index: int) -> StoredEvent: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[StoredEvent]: ...

    def __getitem__(self, index: int | slice) -> StoredEvent | Sequence[StoredEvent]:
        return self._events()[index]

    def __iter__(self) -> Iterator[StoredEvent]:
        return iter(self._events())
