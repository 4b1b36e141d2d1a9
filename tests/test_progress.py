"""Progress stays whole when gradings overlap or one is killed mid-write."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import time
from pathlib import Path

from grader.progress.store import Progress


def _write_many(path: str, name: str, count: int) -> None:
    progress = Progress(Path(path))
    for number in range(count):
        progress.record(name, number % 2 == 0, ["a-check"], "sandbox")


def test_overlapping_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite"
    workers = [multiprocessing.Process(target=_write_many, args=(str(path), f"ex-{n}", 60))
               for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    gradings = Progress(path).gradings()
    assert len(gradings) == 180
    assert {g.exercise for g in gradings} == {"ex-0", "ex-1", "ex-2"}


def test_a_killed_writer_leaves_a_consistent_file(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite"
    Progress(path).record("00-setup", True, [], "sandbox")
    worker = multiprocessing.Process(target=_write_many, args=(str(path), "03", 100000))
    worker.start()
    time.sleep(0.5)
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    summary = Progress(path).summary()
    assert summary["00-setup"].passed and summary["03"].attempts > 0


def test_hints_are_graduated(tmp_path: Path) -> None:
    progress = Progress(tmp_path / "progress.sqlite")
    assert [progress.next_hint("03", 3) for _ in range(5)] == [0, 1, 2, None, None]
    assert [progress.ask_solution("03") for _ in range(3)] == [1, 2, 3]
    assert progress.ask_solution("00") == 1
