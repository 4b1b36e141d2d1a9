"""Progress, kept in `GRADE_HOME/progress.sqlite`.

Every grading is one row (exercise, time, verdict, failing checks, mode).
A quiz's questions answered right in a terminal are remembered one row each
(`quiz_right_answers`), so that answering again asks only the others; tables
added by a newer `grade` are created if missing (`CREATE TABLE IF NOT
EXISTS`), never by rewriting the file.
SQLite makes each write all-or-nothing, so two `grade` runs that overlap,
or one killed mid-write, leave the file consistent; a damaged file is never
overwritten: `grade` stops and says where it is.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GradeError
from grader.paths import grade_home

PROGRESS_FILE = "progress.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS gradings (
    id INTEGER PRIMARY KEY,
    exercise TEXT NOT NULL,
    at TEXT NOT NULL,
    passed INTEGER NOT NULL,
    failed_checks TEXT NOT NULL,
    mode TEXT NOT NULL,
    account TEXT
);
CREATE INDEX IF NOT EXISTS gradings_exercise ON gradings(exercise);
CREATE TABLE IF NOT EXISTS hints (
    exercise TEXT PRIMARY KEY,
    shown INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS solution_requests (
    exercise TEXT PRIMARY KEY,
    asked INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS quiz_right_answers (
    exercise TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (exercise, question)
);
"""


@dataclass(frozen=True)
class Grading:
    exercise: str
    at: dt.datetime
    passed: bool
    failed_checks: list[str]
    mode: str
    account: str | None


@dataclass(frozen=True)
class ExerciseProgress:
    exercise: str
    attempts: int
    passed: bool  # passed at least once
    last: Grading | None


class Progress:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or grade_home() / PROGRESS_FILE

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        new = not self.path.exists()
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            if new:
                self.path.chmod(0o600)
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as error:
            raise GradeError(
                f"Your progress file {self.path} is damaged ({error}); it has not been changed.",
                f"Move it away (`mv {self.path} {self.path}.damaged`) to start a new one, "
                "or restore it from a backup.",
            ) from None
        try:
            yield db
        except sqlite3.DatabaseError as error:
            raise GradeError(f"Your progress file {self.path} could not be used ({error}).",
                             "Nothing was changed; try again.") from None
        finally:
            db.close()

    def record(self, exercise: str, passed: bool, failed_checks: list[str], mode: str,
               account: str | None = None, at: dt.datetime | None = None) -> None:
        moment = at or dt.datetime.now(dt.UTC)
        with self._db() as db:
            db.execute(
                "INSERT INTO gradings (exercise, at, passed, failed_checks, mode, account) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (exercise, moment.isoformat(), int(passed), json.dumps(failed_checks), mode,
                 account),
            )

    def gradings(self, exercise: str | None = None) -> list[Grading]:
        with self._db() as db:
            if exercise:
                rows = db.execute("SELECT exercise, at, passed, failed_checks, mode, account "
                                  "FROM gradings WHERE exercise=? ORDER BY id", (exercise,))
            else:
                rows = db.execute("SELECT exercise, at, passed, failed_checks, mode, account "
                                  "FROM gradings ORDER BY id")
            return [Grading(r[0], dt.datetime.fromisoformat(r[1]), bool(r[2]), json.loads(r[3]),
                            r[4], r[5]) for r in rows.fetchall()]

    def summary(self) -> dict[str, ExerciseProgress]:
        found: dict[str, ExerciseProgress] = {}
        for grading in self.gradings():
            before = found.get(grading.exercise)
            found[grading.exercise] = ExerciseProgress(
                grading.exercise,
                (before.attempts if before else 0) + 1,
                (before.passed if before else False) or grading.passed,
                grading,
            )
        return found

    def next_hint(self, exercise: str, available: int) -> int | None:
        """The index of the next hint to show (0-based), remembering it was shown;
        None once all `available` hints have been shown."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT shown FROM hints WHERE exercise=?", (exercise,)).fetchone()
            shown = int(row[0]) if row else 0
            db.execute("INSERT INTO hints (exercise, shown) VALUES (?, ?) ON CONFLICT(exercise) "
                       "DO UPDATE SET shown=excluded.shown", (exercise, min(shown + 1, available)))
            db.execute("COMMIT")
            return shown if shown < available else None

    def ask_solution(self, exercise: str) -> int:
        """How many times the worked solution has been asked for, this time included."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO solution_requests (exercise, asked) VALUES (?, 1) "
                       "ON CONFLICT(exercise) DO UPDATE SET asked=asked+1", (exercise,))
            row = db.execute("SELECT asked FROM solution_requests WHERE exercise=?",
                             (exercise,)).fetchone()
            db.execute("COMMIT")
            return int(row[0])

    def right_answers(self, exercise: str) -> dict[str, str]:
        """The quiz answers remembered as right, by question id (to be scored again)."""
        with self._db() as db:
            rows = db.execute("SELECT question, answer FROM quiz_right_answers WHERE exercise=?",
                              (exercise,))
            return {str(question): str(answer) for question, answer in rows.fetchall()}

    def remember_right_answer(self, exercise: str, question: str, answer: str,
                              at: dt.datetime | None = None) -> None:
        moment = at or dt.datetime.now(dt.UTC)
        with self._db() as db:
            db.execute("INSERT INTO quiz_right_answers (exercise, question, answer, at) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT(exercise, question) DO UPDATE SET "
                       "answer=excluded.answer, at=excluded.at",
                       (exercise, question, answer, moment.isoformat()))

    def forget_answers(self, exercise: str, questions: list[str] | None = None) -> int:
        """Forget the remembered right answers (of these questions, or all); how many."""
        with self._db() as db:
            if questions is None:
                done = db.execute("DELETE FROM quiz_right_answers WHERE exercise=?", (exercise,))
            else:
                done = db.executemany("DELETE FROM quiz_right_answers WHERE exercise=? AND "
                                      "question=?", [(exercise, q) for q in questions])
            return done.rowcount
