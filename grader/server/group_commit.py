"""Group commit: SQLite's one writer, fed by one thread per process.

SQLite has one writer at a time, and each transaction that writes ends in a sync to
disk. So a process's requests hand their work to one ingest thread, which takes all
that is waiting: it *prepares* each (checks and parses: no database), then runs the
writes in one transaction (one lock, one sync) and answers each after the commit: what
a 2xx answer promises is on disk. While one process holds the database's lock, the
others prepare their next batch, and their requests' threads wait instead of competing
for the interpreter with the thread that holds the lock. A write that fails makes the
batch run again one write a transaction, so that it fails alone.

A write is a function of the connection that only reads and writes the database (it
may run again after its transaction was rolled back)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from sqlalchemy.engine import Connection, Engine

from grader.server.database import writing

T = TypeVar("T")
MAX_BATCH = 64  # writes in one transaction at most
Write = Callable[[Connection], T]


@dataclass(frozen=True)
class Ready(Generic[T]):
    """What preparing gave: the answer already (`done`), or the `write` to commit."""

    done: T | None = None
    write: Write[T] | None = None


@dataclass
class _Pending(Generic[T]):
    prepare: Callable[[], Ready[T]]
    on_finish: Callable[[], None] | None = None  # called from the ingest thread
    finished: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    failure: Exception | None = None

    def finish(self, result: Any = None, failure: Exception | None = None) -> None:
        self.result, self.failure = result, failure
        self.finished.set()
        if self.on_finish is not None:
            self.on_finish()

    def outcome(self) -> T:
        if self.failure is not None:
            raise self.failure
        result: T = self.result
        return result


def run_alone(engine: Engine, prepare: Callable[[], Ready[T]]) -> T:
    """What `GroupCommit.run` does, for one request in its own thread and transaction
    (PostgreSQL, whose writers do not wait for one another)."""
    ready = prepare()
    if ready.write is None:
        return cast(T, ready.done)
    with writing(engine) as connection:
        return ready.write(connection)


class GroupCommit:
    """Prepares and commits work handed to it by any thread, in batches on `engine`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._waiting: list[_Pending[Any]] = []
        self._arrived = threading.Condition()
        self._thread: threading.Thread | None = None

    def run(self, prepare: Callable[[], Ready[T]]) -> T:
        """The answer `prepare` gives, or its write's once committed (or their exception)."""
        pending: _Pending[T] = _Pending(prepare)
        self._hand_over(pending)
        pending.finished.wait()
        return pending.outcome()

    async def run_async(self, prepare: Callable[[], Ready[T]]) -> T:
        """`run` for an event loop: the request waits without holding a thread."""
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()

        def settle() -> None:
            if not woken.done():  # (cancelled when the client went away)
                woken.set_result(None)

        def wake() -> None:
            loop.call_soon_threadsafe(settle)

        pending: _Pending[T] = _Pending(prepare, on_finish=wake)
        self._hand_over(pending)
        await woken
        return pending.outcome()

    def _hand_over(self, pending: _Pending[Any]) -> None:
        with self._arrived:
            self._waiting.append(pending)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work_forever,
                                                name="group-commit", daemon=True)
                self._thread.start()
            self._arrived.notify()

    def _work_forever(self) -> None:
        while True:
            with self._arrived:
                while not self._waiting:
                    self._arrived.wait()
                batch = self._waiting[:MAX_BATCH]
                del self._waiting[:MAX_BATCH]
            try:
                self._commit([w for w in map(self._prepare, batch) if w is not None])
            except BaseException as failure:  # never leave a request waiting for ever
                for pending in batch:
                    if not pending.finished.is_set():
                        pending.finish(failure=RuntimeError(f"the ingest thread failed: "
                                                            f"{failure!r}"))

    @staticmethod
    def _prepare(pending: _Pending[Any]) -> tuple[_Pending[Any], Write[Any]] | None:
        try:
            ready = pending.prepare()
        except Exception as failure:  # the request's thread raises it
            pending.finish(failure=failure)
            return None
        if ready.write is None:
            pending.finish(ready.done)
            return None
        return pending, ready.write

    def _commit(self, batch: list[tuple[_Pending[Any], Write[Any]]]) -> None:
        if len(batch) > 1:
            try:
                with writing(self.engine) as connection:
                    results = [write(connection) for _, write in batch]
            except Exception:  # each write again alone, to fail alone
                pass
            else:
                for (pending, _), result in zip(batch, results, strict=True):
                    pending.finish(result)
                return
        for pending, write in batch:
            try:
                with writing(self.engine) as connection:
                    result = write(connection)
            except Exception as failure:
                pending.finish(failure=failure)
            else:
                pending.finish(result)
