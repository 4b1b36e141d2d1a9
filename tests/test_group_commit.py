"""Group commit (grader/server/group_commit.py) on a real SQLite file: writes handed over
by many threads share transactions; each caller gets its own answer only once it is
committed; a write that fails fails alone; what needs no write commits nothing."""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from grader.server.database import connect, reading
from grader.server.group_commit import GroupCommit, Ready, run_alone

_ROWS = sa.table("rows", sa.column("n"))


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = connect(f"sqlite:///{tmp_path}/group.sqlite")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE rows (n INTEGER PRIMARY KEY)")
    return engine


def _commits(engine: Engine) -> list[int]:
    seen: list[int] = []
    event.listen(engine, "commit", lambda _connection: seen.append(1))
    return seen


def _insert(n: int) -> Ready[int]:
    def write(connection: Connection) -> int:
        connection.execute(_ROWS.insert().values(n=n))
        return n * 10
    return Ready(write=write)


def _until_waiting(group: GroupCommit, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(group._waiting) < count:
        assert time.monotonic() < deadline, "the writes were not handed over"
        time.sleep(0.01)


def _until_taken(group: GroupCommit) -> None:
    """Until the ingest thread has taken what waits (and holds in `prepare`)."""
    deadline = time.monotonic() + 10
    while group._thread is None or group._waiting:
        assert time.monotonic() < deadline, "the ingest thread did not take its work"
        time.sleep(0.01)


def _stored(engine: Engine) -> list[int]:
    with reading(engine) as connection:
        return sorted(connection.execute(sa.select(_ROWS.c.n)).scalars())


def test_waiting_writes_share_one_transaction_and_each_gets_its_answer(engine: Engine) -> None:
    group, commits = GroupCommit(engine), _commits(engine)
    release = threading.Event()

    def first() -> Ready[int]:  # holds the ingest thread until the 8 others are queued
        release.wait(10)
        return _insert(0)

    with ThreadPoolExecutor(9) as pool:
        held = pool.submit(group.run, first)
        _until_taken(group)
        rest = [pool.submit(group.run, lambda n=n: _insert(n)) for n in range(1, 9)]
        _until_waiting(group, 8)
        release.set()
        answers = [held.result(10)] + [f.result(10) for f in rest]
    assert answers == [n * 10 for n in range(9)]
    assert len(commits) == 2  # the first alone, then the 8 that waited together
    assert _stored(engine) == list(range(9))


def test_a_failing_write_fails_alone(engine: Engine) -> None:
    group = GroupCommit(engine)
    assert group.run(lambda: _insert(5)) == 50
    release = threading.Event()

    def first() -> Ready[int]:
        release.wait(10)
        return _insert(1)

    with ThreadPoolExecutor(4) as pool:
        held = pool.submit(group.run, first)
        _until_taken(group)
        futures = [pool.submit(group.run, lambda n=n: _insert(n)) for n in (2, 5, 3)]
        _until_waiting(group, 3)
        release.set()
        assert held.result(10) == 10
        assert futures[0].result(10) == 20 and futures[2].result(10) == 30
        with pytest.raises(sa.exc.IntegrityError):  # 5 is there already: only it fails
            futures[1].result(10)
    assert _stored(engine) == [1, 2, 3, 5]


def test_an_answer_without_a_write_commits_nothing_and_errors_reach_the_caller(
        engine: Engine) -> None:
    group, commits = GroupCommit(engine), _commits(engine)
    assert group.run(lambda: Ready(done="refused")) == "refused"
    assert run_alone(engine, lambda: Ready(done="refused")) == "refused"

    def broken() -> Ready[Any]:
        raise ValueError("not parseable")

    with pytest.raises(ValueError, match="not parseable"):
        group.run(broken)
    assert commits == [] and _stored(engine) == []
    assert run_alone(engine, lambda: _insert(7)) == 70 and _stored(engine) == [7]


def test_requests_on_an_event_loop_wait_without_a_thread_and_may_go_away(
        engine: Engine) -> None:
    """`run_async`: many requests of one event loop share a batch; one whose client went
    away (its task cancelled) is still written, and the others are answered."""
    import asyncio

    group, release = GroupCommit(engine), threading.Event()

    def first() -> Ready[int]:
        release.wait(10)
        return _insert(0)

    held = threading.Thread(target=group.run, args=(first,))
    held.start()
    _until_taken(group)

    async def requests() -> list[int]:
        tasks = [asyncio.ensure_future(group.run_async(functools.partial(_insert, n)))
                 for n in range(1, 6)]
        await asyncio.to_thread(_until_waiting, group, 5)
        tasks[2].cancel()  # client 3 went away
        release.set()
        return [await t for i, t in enumerate(tasks) if i != 2]

    # In a thread of its own: this one may hold another test's loop (playwright's).
    assert _within(20, lambda: asyncio.run(requests())) == [10, 20, 40, 50]
    held.join(10)
    assert _stored(engine) == [0, 1, 2, 3, 4, 5]


def test_what_escapes_a_write_fails_its_batch_and_the_next_ones_go_on(engine: Engine) -> None:
    """Even what is not an Exception (here a BaseException) leaves nobody waiting."""
    class Stop(BaseException):
        pass

    def stops(_connection: Connection) -> int:
        raise Stop()

    group = GroupCommit(engine)
    with pytest.raises(RuntimeError, match="the ingest thread failed"):
        _within(10, lambda: group.run(lambda: Ready(write=stops)))
    assert _within(10, lambda: group.run(lambda: _insert(4))) == 40
    assert _stored(engine) == [4]


def _within(seconds: float, call: Any) -> Any:
    """`call()`'s result or exception, failing if it has neither within `seconds` (in a
    thread of its own, left behind if it hangs)."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as error:
            outcome.append((False, error))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"no answer within {seconds} s: a request was left waiting"
    ok, value = outcome[0]
    if not ok:
        raise value
    return value
