"""Answering a quiz in a terminal: only answers of the stated form are taken,
right answers are remembered (and scored again), and a quiz can start over.

The questions are asked by the real questionary prompts, in this process, on
a prompt_toolkit pipe: keys are typed when the screen shows what a learner
would wait for, as in a terminal.
"""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from grader.progress.store import Progress
from grader.quiz.grading import grade_quiz
from grader.quiz.interactive import ask
from grader.quiz.model import Question, Quiz, load_quiz, right_letters
from grader.quiz.restart import restart_quiz
from tests.conftest import EXERCISES, Course
from tests.test_quizzes import copy_of, no_account

DOWN, ENTER, SPACE, CTRL_C, CTRL_U = "\x1b[B", "\r", " ", "\x03", "\x15"
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(autouse=True)
def _no_running_event_loop() -> Iterator[None]:
    """Playwright's sync API (the browser tests, maybe run earlier in this same worker)
    leaves its event loop marked as running in this thread, and prompt_toolkit, like a
    learner's terminal, starts its own: stand the other one aside during each test."""
    running = asyncio._get_running_loop()
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(running)


class _Screen(Vt100_Output):
    def get_rows_below_cursor_position(self) -> int:
        return 30  # what a terminal answers when asked where the cursor is


class Terminal:
    """Types `(wait_for, keys)` steps: each step's keys once its text is on the screen.

    `wait_for` must be text drawn anew: a prompt redraws only what changed, so
    a second message in the same question may show only as its differences.
    """

    def __init__(self) -> None:
        self.drawn = io.StringIO()
        self.missed: list[str] = []

    def text(self) -> str:
        return _ESCAPES.sub("", self.drawn.getvalue())

    @contextmanager
    def typing(self, steps: list[tuple[str, str]]) -> Iterator[None]:
        screen = _Screen(self.drawn, lambda: Size(rows=40, columns=250), term="xterm",
                         enable_cpr=False)
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=screen):
            def learner() -> None:
                seen = 0
                for wait_for, keys in steps:
                    deadline = time.monotonic() + 20
                    while wait_for not in self.text()[seen:]:
                        if time.monotonic() > deadline:
                            self.missed.append(wait_for)
                            pipe.send_text(CTRL_C)  # give up: the prompt returns
                            return
                        time.sleep(0.02)
                    seen = self.text().index(wait_for, seen) + len(wait_for)
                    pipe.send_text(keys)

            typist = threading.Thread(target=learner, daemon=True)
            typist.start()
            try:
                yield
            except KeyboardInterrupt:
                if not self.missed:
                    raise
            finally:
                typist.join(30)
        assert not self.missed, f"never shown: {self.missed}\n{self.text()[-2000:]}"


def choose(question: Question, letters: str) -> str:
    """The keys that choose `letters` in the question's list and confirm."""
    keys, at = "", 0
    for letter in sorted(letters):
        index = question.letters.index(letter)
        keys += DOWN * (index - at) + (SPACE if question.multiple else "")
        at = index
    return keys + ENTER


def wrong_letters(quiz: Quiz, question: Question) -> str:
    right = right_letters(quiz.exercise, question)
    return next(letter for letter in question.letters if letter not in right)


class Answered:
    """What `ask` reports after each answer: (question id, answer, right)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bool]] = []

    def __call__(self, question: Question, answer: str, right: bool) -> None:
        self.calls.append((question.id, answer, right))


def test_an_empty_choice_of_several_is_asked_again_not_graded() -> None:
    quiz = load_quiz(EXERCISES / "07-checkpoint")
    question = quiz.question("cloudtrail-benefits")
    assert question is not None and question.multiple
    right = right_letters(quiz.exercise, question)
    terminal, answered = Terminal(), Answered()
    with terminal.typing([("(1/1)", ENTER),
                          ("Choose at least one option", choose(question, right))]):
        answers = ask(quiz, [question], answered=answered)
    assert answers == {question.id: right}
    assert answered.calls == [(question.id, right, True)]


def test_a_yes_or_no_question_takes_only_yes_or_no() -> None:
    quiz = load_quiz(EXERCISES / "02-root-user")
    question = quiz.question("root-has-access-keys")
    assert question is not None and question.from_account
    terminal, answered = Terminal(), Answered()
    with terminal.typing([("(1/1)", "maybe" + DOWN + ENTER)]):
        answers = ask(quiz, [question], {"root-access-keys-present": "no"}.__getitem__,
                      answered)
    assert answers == {question.id: "no"}
    assert answered.calls == [(question.id, "no", True)]
    assert re.search(r"» yes\s+no", terminal.text())


def test_a_date_question_takes_only_a_date_or_none() -> None:
    quiz = load_quiz(EXERCISES / "02-root-user")
    question = quiz.question("root-key-last-used")
    assert question is not None and question.from_account
    terminal, answered = Terminal(), Answered()
    with terminal.typing([("(1/1)", "last tuesday" + ENTER),
                          ("Please answer with a date, YYYY-MM-DD, or none.",
                           CTRL_U + "2026-02-30" + ENTER + CTRL_U + "No keys" + ENTER)]):
        answers = ask(quiz, [question], {"root-access-key-last-used": "none"}.__getitem__,
                      answered)
    assert answers == {question.id: "No keys"}
    assert answered.calls == [(question.id, "No keys", True)]


def _answer(quiz: Quiz, questions: list[Question],
            pick: Callable[[Question], str]) -> list[tuple[str, str]]:
    return [(f"({n}/{len(questions)})", choose(q, pick(q))) for n, q in enumerate(questions, 1)]


def test_answering_again_asks_only_what_is_not_right_yet(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GRADE_HOME", str(tmp_path / "grade-home"))
    exercise = copy_of("07-checkpoint", tmp_path)
    quiz = load_quiz(exercise.folder)
    everything = list(quiz.questions)
    right_first = {q.id for q in everything[::2]}

    def first_pick(q: Question) -> str:
        return right_letters(quiz.exercise, q) if q.id in right_first else wrong_letters(quiz, q)

    with Terminal().typing(_answer(quiz, everything, first_pick)):
        first = grade_quiz(exercise, None, no_account, interactive=True)
    assert set(first.failed_ids) == {q.id for q in everything} - right_first
    assert Progress().right_answers(exercise.id) == {
        q.id: right_letters(quiz.exercise, q) for q in everything if q.id in right_first}
    capsys.readouterr()

    rest = [q for q in everything if q.id not in right_first]
    terminal = Terminal()
    with terminal.typing(_answer(quiz, rest, lambda q: right_letters(quiz.exercise, q))):
        second = grade_quiz(exercise, None, no_account, interactive=True)
    assert second.passed and len(second.checks) == len(everything)
    asked = terminal.text()
    assert f"(1/{len(rest)})" in asked and f"/{len(everything)})" not in asked
    assert not any(q.prompt in asked for q in everything if q.id in right_first)
    assert f"Answered right before: {len(right_first)} of {len(everything)} questions" in \
        capsys.readouterr().out

    # Everything is right now: nothing is asked, and it passes again.
    with Terminal().typing([]):
        assert grade_quiz(exercise, None, no_account, interactive=True).passed
    assert "nothing left to ask" in capsys.readouterr().out

    # Starting over asks everything; Ctrl-C keeps what was answered right so far.
    restart_quiz("07")
    assert Progress().right_answers(exercise.id) == {}
    first_question = everything[0]
    terminal = Terminal()
    with terminal.typing([(f"(1/{len(everything)})", choose(first_question, right_letters(
            quiz.exercise, first_question))), (f"(2/{len(everything)})", CTRL_C)]), \
            pytest.raises(KeyboardInterrupt):
        grade_quiz(exercise, None, no_account, interactive=True)
    assert Progress().right_answers(exercise.id) == {
        first_question.id: right_letters(quiz.exercise, first_question)}


def test_a_filled_in_answers_file_still_comes_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADE_HOME", str(tmp_path / "grade-home"))
    exercise = copy_of("01-shared-responsibility", tmp_path)
    quiz = load_quiz(exercise.folder)
    for question in quiz.questions:  # remembered right, but the file says otherwise
        Progress().remember_right_answer(exercise.id, question.id,
                                         right_letters(quiz.exercise, question))
    first = quiz.questions[0]
    (exercise.folder / "answers.toml").write_text(
        f'{first.id} = "{wrong_letters(quiz, first)}"\n')
    with Terminal().typing([]):
        result = grade_quiz(exercise, None, no_account, interactive=True)
    assert result.failed_ids == [first.id]


def test_a_remembered_answer_is_scored_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: Course) -> None:
    """A quiz or an account that changed cannot pass an answer that is no longer right."""
    from grader.checks.target import Target, sandbox_target
    from grader.sandbox import control
    from tests.conftest import client

    def the_simulated_account() -> Target:
        creds = control.grader_environment(control.require())
        return sandbox_target(creds["endpoint"], creds["region"], creds["access_key_id"],
                              creds["secret_access_key"])

    monkeypatch.setenv("GRADE_HOME", str(fresh.home))
    exercise = copy_of("02-root-user", tmp_path)
    quiz = load_quiz(exercise.folder)
    progress = Progress()
    restart_quiz("02")
    for question in quiz.questions:
        if not question.from_account:
            progress.remember_right_answer(exercise.id, question.id,
                                           right_letters(quiz.exercise, question))
    changed = quiz.questions[0]  # as if the quiz's right answer had changed since
    progress.remember_right_answer(exercise.id, changed.id, wrong_letters(quiz, changed))
    progress.remember_right_answer(exercise.id, "root-has-access-keys", "yes")  # true now
    progress.remember_right_answer(exercise.id, "root-key-last-used", "1999-01-01")  # never true

    env = fresh.sandbox_env()
    client(env, "iam").delete_access_key(AccessKeyId=env["AWS_ACCESS_KEY_ID"])  # now "no"
    right = right_letters(quiz.exercise, changed)
    with Terminal().typing([("(1/3)", choose(changed, right)),
                            ("(2/3)", DOWN + ENTER),  # no
                            ("(3/3)", "none" + ENTER)]):
        result = grade_quiz(exercise, None, the_simulated_account, interactive=True)
    assert result.passed, result.failed_ids
    assert progress.right_answers(exercise.id)["root-has-access-keys"] == "no"
    restart_quiz("02")


_OLD_SCHEMA = """
CREATE TABLE gradings (id INTEGER PRIMARY KEY, exercise TEXT NOT NULL, at TEXT NOT NULL,
    passed INTEGER NOT NULL, failed_checks TEXT NOT NULL, mode TEXT NOT NULL, account TEXT);
CREATE INDEX gradings_exercise ON gradings(exercise);
CREATE TABLE hints (exercise TEXT PRIMARY KEY, shown INTEGER NOT NULL);
INSERT INTO gradings (exercise, at, passed, failed_checks, mode, account)
    VALUES ('01-shared-responsibility', '2026-01-01T10:00:00+00:00', 0, '["hypervisor"]',
            'quiz', NULL);
INSERT INTO hints VALUES ('03-stop-using-root', 2);
"""


def test_a_progress_file_of_an_older_grade_gains_the_table_and_loses_nothing(
        tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(_OLD_SCHEMA)
    progress = Progress(path)
    assert progress.right_answers("01-shared-responsibility") == {}
    progress.remember_right_answer("01-shared-responsibility", "hypervisor", "a")
    progress.remember_right_answer("01-shared-responsibility", "hypervisor", "a")
    progress.remember_right_answer("01-shared-responsibility", "root-mfa", "b")
    progress.remember_right_answer("07-checkpoint", "root-rule", "a")
    assert progress.right_answers("01-shared-responsibility") == {"hypervisor": "a",
                                                                  "root-mfa": "b"}
    assert progress.forget_answers("01-shared-responsibility", ["root-mfa"]) == 1
    assert progress.forget_answers("01-shared-responsibility") == 1
    assert progress.right_answers("01-shared-responsibility") == {}
    assert progress.right_answers("07-checkpoint") == {"root-rule": "a"}
    [grading] = progress.gradings()
    assert (grading.exercise, grading.failed_checks) == ("01-shared-responsibility",
                                                         ["hypervisor"])
    assert progress.next_hint("03-stop-using-root", 3) == 2
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_restarting_something_that_is_not_a_quiz_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.errors import GradeError

    monkeypatch.setenv("GRADE_HOME", str(tmp_path / "grade-home"))
    with pytest.raises(GradeError, match="03-stop-using-root is not a quiz"):
        restart_quiz("03")
    restart_quiz("07-checkpoint")  # nothing remembered: nothing to do, no error
