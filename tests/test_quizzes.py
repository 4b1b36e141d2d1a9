"""Knowledge exercises: every right answer set passes, every single wrong answer
fails exactly its question, bad answers files are clear errors (exit 2), and the
hands-on part of 02 is checked against the account."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grader.exercises import find
from grader.quiz.answers import ANSWERS_FILE, blank_answers_file
from grader.quiz.model import load_quiz, right_letters
from grader.quiz.scoring import score
from tests.conftest import EXERCISES, Course, client

QUIZZES = ["01-shared-responsibility", "02-root-user", "07-checkpoint"]


def right_answers(exercise: str) -> dict[str, str]:
    quiz = load_quiz(EXERCISES / exercise)
    return {q.id: right_letters(exercise, q) for q in quiz.questions if not q.from_account}


def write_answers(path: Path, answers: dict[str, str]) -> Path:
    path.write_text("".join(f'{key} = "{value}"\n' for key, value in answers.items()))
    return path


def test_enough_questions_and_no_plain_answers() -> None:
    counts = {name: load_quiz(EXERCISES / name).questions for name in QUIZZES}
    assert len(counts["01-shared-responsibility"]) >= 8
    assert len([q for q in counts["02-root-user"] if not q.from_account]) >= 12
    assert [q for q in counts["02-root-user"] if q.from_account]
    assert len(counts["07-checkpoint"]) >= 8
    for name in QUIZZES:
        text = (EXERCISES / name / "quiz.toml").read_text()
        assert not re.search(r'^answer\s*=\s*"[a-h][a-h, ]*"', text, re.MULTILINE)


def test_the_shipped_answers_files_are_blank() -> None:
    for name in QUIZZES:
        quiz = load_quiz(EXERCISES / name)
        assert (EXERCISES / name / ANSWERS_FILE).read_text().strip() == \
            blank_answers_file(quiz).strip()


@pytest.mark.parametrize("name", QUIZZES)
def test_every_single_wrong_answer_fails_its_question(name: str) -> None:
    exercise, quiz = find(name), load_quiz(EXERCISES / name)
    right = right_answers(name)
    facts = {"root-access-keys-present": "yes", "root-access-key-last-used": "2026-01-02"}
    truth = {"root-has-access-keys": "yes", "root-key-last-used": "2026-01-02"}
    answers = {**right, **{q.id: truth[q.id] for q in quiz.questions if q.from_account}}
    assert score(exercise, quiz, answers, facts.__getitem__).passed
    for question in quiz.questions:
        wrong_choices = ["no", "2020-01-01"] if question.from_account else [
            letter for letter in question.letters if letter != right[question.id]]
        if question.multiple:
            wrong_choices = [right[question.id][:-1], right[question.id] + "c"
                             if "c" not in right[question.id] else right[question.id][1:]]
        for wrong in wrong_choices:
            result = score(exercise, quiz, {**answers, question.id: wrong}, facts.__getitem__)
            assert result.failed_ids == [question.id], (question.id, wrong)


def test_right_answers_pass_through_grade(tmp_path: Path, home: Course) -> None:
    for name in ("01-shared-responsibility", "07-checkpoint"):
        path = write_answers(tmp_path / f"{name}.toml", right_answers(name))
        done = home.grade(name[:2], "--answers", str(path), "--json")
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["passed"] and result["exercise"] == name
    wrong = {**right_answers("01-shared-responsibility"), "hypervisor": "b"}
    done = home.grade("01", "--answers", str(write_answers(tmp_path / "w.toml", wrong)))
    assert done.returncode == 1
    assert "FAIL  Patching the hypervisor" in done.stdout and "Why it matters:" in done.stdout
    progress = home.grade()
    assert "07-checkpoint" in progress.stdout and "(2 attempts)" in progress.stdout


def test_hands_on_part_is_checked_against_the_account(tmp_path: Path, fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    used = iam.get_access_key_last_used(AccessKeyId=env["AWS_ACCESS_KEY_ID"])
    day = used["AccessKeyLastUsed"]["LastUsedDate"].strftime("%Y-%m-%d")
    base = right_answers("02-root-user")
    good = write_answers(tmp_path / "good.toml", {**base, "root-has-access-keys": "yes",
                                                  "root-key-last-used": day})
    done = fresh.grade("02", "--answers", str(good), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    for key, value in (("root-has-access-keys", "no"), ("root-key-last-used", "1999-01-01")):
        bad = write_answers(tmp_path / "bad.toml", {**base, "root-has-access-keys": "yes",
                                                    "root-key-last-used": day, key: value})
        done = fresh.grade("02", "--answers", str(bad), "--json")
        assert done.returncode == 1
        failed = [c["id"] for c in json.loads(done.stdout)["checks"] if not c["passed"]]
        assert failed == [key]
    iam.delete_access_key(AccessKeyId=env["AWS_ACCESS_KEY_ID"])
    gone = write_answers(tmp_path / "gone.toml", {**base, "root-has-access-keys": "no",
                                                  "root-key-last-used": "never"})
    assert fresh.grade("02", "--answers", str(gone)).returncode == 0


@pytest.mark.parametrize(("content", "words"), [
    ('hypervisor = "a"\nec2-os-updates = \n', ["line 2"]),
    ('hypervisor = "a"\nno-such-question = "a"\n', ["line 2", "no question 'no-such-question'"]),
    ('hypervisor = "a"\n\nec2-os-updates = "z"\n', ["line 3", "z is not an option"]),
    ('hypervisor = "a, b"\n', ["line 1", "takes one answer"]),
    ('hypervisor = 1\n', ["line 1", "in quotes"]),
])
def test_malformed_answers_files(tmp_path: Path, home: Course, content: str,
                                 words: list[str]) -> None:
    path = tmp_path / "answers.toml"
    path.write_text(content)
    done = home.grade("01", "--answers", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def test_partial_answers_file_names_what_is_missing(tmp_path: Path, home: Course) -> None:
    answers = right_answers("01-shared-responsibility")
    answers.pop("lambda-runtime")
    text = "".join(f'{k} = "{v}"\n' for k, v in answers.items()) + 'failed-disks = ""\n'
    path = tmp_path / "answers.toml"
    path.write_text(text.replace('failed-disks = "a"\n', ""))
    done = home.grade("01", "--answers", str(path))
    assert done.returncode == 2
    assert "lambda-runtime (not in the file)" in done.stderr
    assert re.search(r"failed-disks \(line \d+\)", done.stderr)


def test_shipped_blank_file_without_a_terminal_is_a_clear_error(home: Course) -> None:
    done = home.grade("07")
    assert done.returncode == 2
    assert "have no answer yet" in done.stderr and "in a terminal" in done.stderr


def test_a_terminal_gets_the_questions_one_by_one(tmp_path: Path, home: Course) -> None:
    """In a (pseudo-)terminal, `grade 01` asks; Enter picks the highlighted option."""
    import os
    import pty
    import select
    import time

    from tests.conftest import BIN

    blank = tmp_path / "answers.toml"
    blank.write_text("")
    pid, fd = pty.fork()
    if pid == 0:  # the learner's terminal
        os.execve(str(BIN / "grade"), ["grade", "01", "--answers", str(blank)], home.env)
    seen = b""
    deadline = time.monotonic() + 60
    asked = 0
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        questions_shown = seen.count(b"/10)")
        if questions_shown > asked and not seen.rstrip().endswith(b")"):
            os.write(fd, b"\r")
            asked = questions_shown
    _, status = os.waitpid(pid, 0)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode(errors="replace"))
    assert "(1/10)" in text and "(10/10)" in text
    assert "Right." in text and "Not right." in text
    assert os.waitstatus_to_exitcode(status) == 1
    assert "01-shared-responsibility" in home.grade().stdout
