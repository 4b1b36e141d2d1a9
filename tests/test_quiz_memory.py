"""A quiz asks only what is not answered right yet, with or without a terminal.

A question answered right before (in a terminal or in an answers file) may be
left blank in the file, and counts; the blank file written without a terminal
marks it; and what an instructor's server is sent scores the same there.
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.progress.store import Progress
from grader.quiz.answers import ANSWERED_BEFORE, ANSWERS_FILE, AnswersFileError
from grader.quiz.grading import grade_quiz
from grader.quiz.model import Question, Quiz, load_quiz, right_letters
from grader.server.regrade import REGRADED, regrade
from grader.server.worker import mismatch
from tests.conftest import BIN, EXERCISES, Course
from tests.test_quiz_terminal import choose, wrong_letters
from tests.test_quizzes import copy_of, no_account

QUIZ = load_quiz(EXERCISES / "07-checkpoint")
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MISSED = {QUIZ.questions[2].id, QUIZ.questions[6].id}  # the two answered wrong first


def right(question: Question, quiz: Quiz = QUIZ) -> str:
    return right_letters(quiz.exercise, question)


def in_a_terminal(home: Course, args: list[str], keys: Callable[[Question], str],
                  quiz: Quiz = QUIZ) -> tuple[str, int]:
    """`grade ARGS` in a pseudo-terminal: each question, once its last option is drawn,
    gets `keys(question)`. What the screen showed, and the exit status."""
    pid, fd = pty.fork()
    if pid == 0:  # the learner's terminal
        os.execve(str(BIN / "grade"), ["grade", *args], home.env)
    # A wide screen: no prompt or option is wrapped across lines.
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
    raw, answered = b"", 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            raw += chunk
        seen = _ESCAPES.sub("", raw.decode(errors="replace"))
        shown = re.findall(r"\((\d+)/\d+\) ", seen)
        latest = int(shown[-1]) if shown else 0
        if latest > answered:
            after = seen[seen.rindex(f"({latest}/"):]
            question = next((q for q in quiz.questions if q.prompt in after), None)
            if question is not None and question.options[-1] in after:
                os.write(fd, keys(question).encode())
                answered = latest
    else:
        os.kill(pid, signal.SIGKILL)  # never left waiting for a key nobody types
    _, status = os.waitpid(pid, 0)
    return _ESCAPES.sub("", raw.decode(errors="replace")), os.waitstatus_to_exitcode(status)


def file_of(answers: dict[str, str], path: Path) -> Path:
    path.write_text("".join(f'{key} = "{value}"\n' for key, value in answers.items()))
    return path


def test_after_seven_right_in_a_terminal_a_file_of_the_other_two_passes(
        tmp_path: Path, home: Course) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    screen, status = in_a_terminal(
        home, ["07", "--answers", str(empty)],
        lambda q: choose(q, wrong_letters(QUIZ, q) if q.id in MISSED else right(q)))
    assert status == 1, screen[-2000:]
    assert f"(9/{len(QUIZ.questions)})" in screen

    # Without a terminal, a file that leaves one of the two blank names only that one.
    kept, left = QUIZ.questions[2], QUIZ.questions[6]
    one = file_of({kept.id: right(kept), left.id: ""}, tmp_path / "one.toml")
    done = home.grade("07", "--answers", str(one), input="")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"1 of 9 questions in {one} have no answer yet: {left.id} (line 2); the 7 left " \
        "blank that were answered right before count." in done.stderr.replace("\n       ", " ")

    # A file answering only the two missing questions passes.
    two = file_of({q.id: right(q) for q in QUIZ.questions if q.id in MISSED},
                  tmp_path / "two.toml")
    done = home.grade("07", "--answers", str(two), "--json", input="")
    assert done.returncode == 0, done.stdout + done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["passed"] and len(verdict["checks"]) == len(QUIZ.questions)
    assert "Answered right before: 7 of 9 questions" in done.stderr

    # In a terminal the same file passes too, and nothing is asked.
    screen, status = in_a_terminal(home, ["07", "--answers", str(two)], lambda q: "")
    assert status == 0, screen[-2000:]
    assert "(1/" not in screen and "PASS" in screen

    # A wrong answer in the file still comes first.
    first = QUIZ.questions[0]
    wrong = file_of({first.id: wrong_letters(QUIZ, first)}, tmp_path / "wrong.toml")
    assert home.grade("07", "--answers", str(wrong), input="").returncode == 1

    # Once the right answers are forgotten, the file of two is not enough any more.
    assert home.grade("restart", "07", "--yes").returncode == 0
    done = home.grade("07", "--answers", str(two), input="")
    assert done.returncode == 2 and "7 of 9 questions" in done.stderr, done.stderr


def test_the_blank_file_written_without_a_terminal_marks_what_was_answered_right(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADE_HOME", str(tmp_path / "grade-home"))
    exercise = copy_of("07-checkpoint", tmp_path)
    path = exercise.folder / ANSWERS_FILE
    progress = Progress()
    for question in QUIZ.questions:
        if question.id not in MISSED:
            progress.remember_right_answer(exercise.id, question.id, right(question))

    with pytest.raises(AnswersFileError) as written:
        grade_quiz(exercise, None, no_account, interactive=False)  # type: ignore[arg-type]
    assert written.value.reason == (f"I wrote a blank answers file at {path}: answer the 2 "
                                    "questions not answered right yet and run `grade 07` "
                                    "again.")
    blank = path.read_text()
    marked = re.findall(rf"^{re.escape(ANSWERED_BEFORE)}\n([a-z0-9-]+) = \"\"$", blank,
                        re.MULTILINE)
    assert set(marked) == {q.id for q in QUIZ.questions} - MISSED
    assert blank.count(' = ""') == len(QUIZ.questions)

    # The learner fills in the two unmarked lines only.
    for question in QUIZ.questions:
        if question.id in MISSED:
            blank = blank.replace(f'{question.id} = ""', f'{question.id} = "{right(question)}"')
    path.write_text(blank)
    result = grade_quiz(exercise, None, no_account, interactive=False)  # type: ignore[arg-type]
    assert result.passed and len(result.checks) == len(QUIZ.questions)
    assert result.extra["answers"] == {q.id: right(q) for q in QUIZ.questions}

    # Every question answered right now: without the file, nothing is needed.
    path.unlink()
    assert grade_quiz(exercise, None, no_account, False).passed  # type: ignore[arg-type]
    assert not path.exists()

    # A remembered answer that is not right (any more) does not count, and is forgotten.
    changed = QUIZ.questions[0]
    progress.remember_right_answer(exercise.id, changed.id, wrong_letters(QUIZ, changed))
    with pytest.raises(AnswersFileError, match="answer the 1 questions not answered right"):
        grade_quiz(exercise, None, no_account, False)  # type: ignore[arg-type]
    assert changed.id not in progress.right_answers(exercise.id)
    assert f"{ANSWERED_BEFORE}\n{changed.id}" not in path.read_text()


def test_a_right_answer_in_the_file_is_remembered_too(tmp_path: Path, home: Course) -> None:
    answers = {q.id: (wrong_letters(QUIZ, q) if q.id in MISSED else right(q))
               for q in QUIZ.questions}
    done = home.grade("07", "--answers", str(file_of(answers, tmp_path / "a.toml")), input="")
    assert done.returncode == 1
    empty = file_of({}, tmp_path / "empty.toml")
    screen, status = in_a_terminal(home, ["07", "--answers", str(empty)],
                                   lambda q: choose(q, right(q)))
    assert status == 0, screen[-2000:]
    assert "Answered right before: 7 of 9 questions" in screen and "(2/2)" in screen


def test_what_the_server_is_sent_scores_the_same_there(tmp_path: Path, home: Course) -> None:
    """Answers that came from memory are sent with the others: the server's re-grade of
    the submission agrees with the learner's verdict (no mismatch flagged)."""
    home.home.mkdir(parents=True, exist_ok=True)
    (home.home / "server.json").write_text(json.dumps({
        "url": "http://127.0.0.1:9", "learner": "l-1", "token": "t" * 32,  # nobody listens
        "cohort": "spring", "name": "Ada", "joined_at": "2026-01-01T00:00:00+00:00"}))
    answers = {q.id: (wrong_letters(QUIZ, q) if q.id in MISSED else right(q))
               for q in QUIZ.questions}
    assert home.grade("07", "--answers", str(file_of(answers, tmp_path / "a.toml")),
                      input="").returncode == 1
    two = file_of({q.id: right(q) for q in QUIZ.questions if q.id in MISSED},
                  tmp_path / "two.toml")
    done = home.grade("07", "--answers", str(two), "--json", input="")
    assert done.returncode == 0, done.stderr
    queued = sorted((home.home / "outbox").glob("*.json.gz"))
    assert len(queued) == 2
    sent = json.loads(gzip.decompress(queued[-1].read_bytes()))
    assert sent["verdict"]["passed"]
    server = regrade("07-checkpoint", "quiz", None, [], sent["answers"])
    assert server.status == REGRADED and server.verdict is not None
    assert server.verdict["passed"]
    assert not mismatch(sent["verdict"], server.verdict)
