"""Knowledge exercises: every right answer set passes, every single wrong answer
fails exactly its question, bad answers files are clear errors (exit 2), and the
hands-on part of 02 is checked against the account."""

from __future__ import annotations

import codecs
import dataclasses
import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.course.exercises import Exercise, find
from grader.quiz.answers import ANSWERS_FILE, AnswersFileError, blank_answers_file, write_blank
from grader.quiz.facts import read_fact
from grader.quiz.grading import grade_quiz
from grader.quiz.model import ACCOUNT_FACTS, load_quiz, right_letters
from grader.quiz.scoring import is_right, score
from grader.quiz.seal import seal
from tests.conftest import EXERCISES, ROOT, Course, client

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


def copy_of(name: str, where: Path) -> Exercise:
    """The exercise, in a folder of its own (so grading may write its answers file there)."""
    folder = where / name
    folder.mkdir(parents=True)
    for file in ("exercise.toml", "quiz.toml", "README.md"):
        shutil.copy(EXERCISES / name / file, folder / file)
    return dataclasses.replace(find(name), folder=folder)


def no_account() -> object:
    raise AssertionError("this quiz has no question about the account")


def test_answers_files_are_the_learners_not_the_courses() -> None:
    """A learner's answers.toml is never tracked: pulling the course cannot conflict with it."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files", "exercises/*/answers.toml",
                              "exercises/*/answers*.toml"], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
    assert tracked == ""
    paths = [f"exercises/{name}/{ANSWERS_FILE}" for name in QUIZZES]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT,
                             capture_output=True, text=True, check=False).stdout.split()
    assert ignored == paths


def test_without_a_terminal_a_missing_answers_file_is_written_blank(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADE_HOME", str(tmp_path / "grade-home"))  # nothing remembered
    exercise = copy_of("07-checkpoint", tmp_path)
    path = exercise.folder / ANSWERS_FILE
    quiz = load_quiz(exercise.folder)
    with pytest.raises(AnswersFileError) as first:
        grade_quiz(exercise, None, no_account, interactive=False)  # type: ignore[arg-type]
    assert first.value.reason == (f"I wrote a blank answers file at {path}: fill it in and "
                                  "run `grade 07` again.")
    assert "\n" not in str(first.value) and first.value.exit_status == 2
    assert path.read_text(encoding="utf-8") == blank_answers_file(quiz) + "\n"
    with pytest.raises(AnswersFileError, match=r"9 of 9 questions .* have no answer yet"):
        grade_quiz(exercise, None, no_account, interactive=False)  # type: ignore[arg-type]
    write_answers(path, right_answers("07-checkpoint"))
    assert grade_quiz(exercise, None, no_account, False).passed  # type: ignore[arg-type]
    assert not write_blank(path, quiz)  # a learner's file is never overwritten
    assert "root-rule" in path.read_text() and '= ""' not in path.read_text()


def test_in_a_terminal_a_missing_answers_file_is_not_needed(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.quiz.interactive

    exercise = copy_of("01-shared-responsibility", tmp_path)
    monkeypatch.setenv("GRADE_HOME", str(tmp_path / "grade-home"))
    asked: list[str] = []

    def answer_all(quiz, questions, fact=None, answered=None):  # type: ignore[no-untyped-def]
        asked.extend(q.id for q in questions)
        return {q.id: right_letters(quiz.exercise, q) for q in questions}

    monkeypatch.setattr(grader.quiz.interactive, "ask", answer_all)
    result = grade_quiz(exercise, None, no_account, interactive=True)  # type: ignore[arg-type]
    in_file = (exercise.folder / "quiz.toml").read_text().count("[[question]]")
    assert result.passed and len(asked) == in_file >= 10
    assert not (exercise.folder / ANSWERS_FILE).exists()


def test_sealing_writes_no_answers_file(tmp_path: Path) -> None:
    exercise = copy_of("01-shared-responsibility", tmp_path)
    quiz_file = exercise.folder / "quiz.toml"
    sealed = quiz_file.read_text()
    hashed = 'answer = "sha256:cd42b456beb056b75a957c10"'
    assert sealed.count(hashed) == 1
    plain = right_answers(exercise.id)["hypervisor"]
    quiz_file.write_text(sealed.replace(hashed, f'answer = "{plain}"'))
    assert seal(exercise.folder) == 1
    assert quiz_file.read_text() == sealed
    assert sorted(p.name for p in exercise.folder.iterdir()) == \
        ["README.md", "exercise.toml", "quiz.toml"]


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
    for no_key in ("none", "never", "No keys", "N/A"):
        gone = write_answers(tmp_path / "gone.toml", {**base, "root-has-access-keys": "no",
                                                      "root-key-last-used": no_key})
        done = fresh.grade("02", "--answers", str(gone))
        assert done.returncode == 0, (no_key, done.stdout, done.stderr)
    # The deleted key's last use is not what the credential report says now.
    old = write_answers(tmp_path / "old.toml", {**base, "root-has-access-keys": "no",
                                                "root-key-last-used": day})
    done = fresh.grade("02", "--answers", str(old), "--json")
    assert done.returncode == 1
    assert [c["id"] for c in json.loads(done.stdout)["checks"] if not c["passed"]] == \
        ["root-key-last-used"]


_NO_KEYS = {f"access_key_{n}_{column}": "N/A" for n in (1, 2)
            for column in ("active", "last_rotated", "last_used_date")}
_UNUSED_KEY = {**_NO_KEYS, "access_key_1_active": "true",
               "access_key_1_last_rotated": "2026-01-01T09:00:00+00:00"}
_USED_KEYS = {**_UNUSED_KEY, "access_key_1_last_used_date": "2026-01-02T10:00:00+00:00",
              "access_key_2_active": "false",
              "access_key_2_last_rotated": "2025-11-01T09:00:00+00:00",
              "access_key_2_last_used_date": "2025-12-01T10:00:00+00:00"}


@pytest.mark.parametrize(("row", "right", "wrong"), [
    (_NO_KEYS, ["none", "None", "never", "no keys", "No access keys.", "n/a", "N/A", "no"],
     ["2026-01-02", "yes", "0", ""]),
    (_UNUSED_KEY, ["none", "never", "N/A"], ["2026-01-01", ""]),
    (_USED_KEYS, ["2026-01-02", "2026-01-02T10:00:00+00:00", " 2026-01-02 "],
     ["none", "never", "no keys", "2025-12-01", "2026-01-01", ""]),
], ids=["root-has-no-keys", "root-has-an-unused-key", "root-has-used-keys"])
def test_every_state_of_roots_keys_has_a_stated_answer(row: dict[str, str], right: list[str],
                                                      wrong: list[str]) -> None:
    quiz = load_quiz(EXERCISES / "02-root-user")
    question = quiz.question("root-key-last-used")
    assert question is not None

    def fact(name: str) -> str:
        return read_fact(name, row)

    for answer in right:
        assert is_right(quiz, question, answer, fact), answer
    for answer in wrong:
        assert not is_right(quiz, question, answer, fact), answer
    stated = f"{question.prompt} ({ACCOUNT_FACTS[question.from_account]})"
    assert "credential report" in stated and "current" in stated
    assert ("none" in stated and "no access keys" in stated) if fact(question.from_account) \
        == "none" else "YYYY-MM-DD" in stated


def test_roots_keys_are_explained_without_using_root() -> None:
    """Root may have no keys left to run anything with: point to the credential report."""
    quiz = load_quiz(EXERCISES / "02-root-user")
    for question in (q for q in quiz.questions if q.from_account):
        assert "get-credential-report" in question.explanation, question.id
        assert "<root_account>" in question.explanation, question.id
        assert "as root" not in question.explanation, question.id
    assert not any("as root" in hint for hint in find("02").hints)


@pytest.mark.parametrize(("line", "words"), [
    ('root-has-access-keys = "maybe"', ["line 1", "'maybe'", "answer yes or no"]),
    ('root-key-last-used = "last tuesday"', ["line 1", "answer with a date, YYYY-MM-DD, or none"]),
    ('root-key-last-used = "2026-02-30"', ["line 1", "2026-02-30 is not a day"]),
])
def test_account_answers_in_another_form_are_refused(tmp_path: Path, home: Course, line: str,
                                                     words: list[str]) -> None:
    path = tmp_path / ANSWERS_FILE
    path.write_text(line + "\n")
    assert_one_line_refusal(home.grade("02", "--answers", str(path)), *words)


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


def test_blank_file_without_a_terminal_is_a_clear_error(tmp_path: Path, home: Course) -> None:
    blank = tmp_path / ANSWERS_FILE
    blank.write_text(blank_answers_file(load_quiz(EXERCISES / "07-checkpoint")))
    done = home.grade("07", "--answers", str(blank))
    assert done.returncode == 2
    assert "have no answer yet" in done.stderr and "in a terminal" in done.stderr


def assert_one_line_refusal(done: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, `grade: REASON` and at most one line saying what to do; nothing raw."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert lines[0].startswith("grade: ") and len(lines) <= 2, done.stderr
    assert all(len(line) < 300 for line in lines), done.stderr
    assert "Traceback" not in done.stderr and "\\x" not in done.stderr and "b'" not in done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def _right_01() -> str:
    return "# my answers, r\u00e9ponses\n" + "".join(
        f'{key} = "{value}"\n' for key, value in right_answers("01-shared-responsibility").items())


@pytest.mark.parametrize("encoded", [
    codecs.BOM_UTF8 + _right_01().encode("utf-8"),           # Notepad's "UTF-8 with BOM"
    _right_01().encode("utf-16"),                             # Notepad's "Unicode": BOM + LE
    codecs.BOM_UTF16_BE + _right_01().encode("utf-16-be"),    # "Unicode big endian"
    _right_01().encode("utf-32"),
    _right_01().replace("\n", "\r\n").encode("utf-8"),     # Windows line ends
], ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-32-bom", "crlf"])
def test_answers_files_in_other_unicode_encodings_are_read(tmp_path: Path, home: Course,
                                                           encoded: bytes) -> None:
    path = tmp_path / ANSWERS_FILE
    path.write_bytes(encoded)
    done = home.grade("01", "--answers", str(path), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["passed"]


@pytest.mark.parametrize(("encoded", "words"), [
    (_right_01().encode("latin-1"), ["is not UTF-8 text (line 1", "Save it as UTF-8"]),
    (_right_01().encode("utf-16-le"), ["is not UTF-8 text", "Save it as UTF-8"]),
    (codecs.BOM_UTF16_LE + b"h\x00\x00\xd8", ["is not UTF-16", "Save it as UTF-8"]),
    (random.Random(7).randbytes(8000), ["is not UTF-8 text", "Save it as UTF-8"]),
], ids=["latin-1", "utf-16-without-bom", "broken-utf-16", "random-bytes"])
def test_answers_files_that_are_not_unicode_text_are_refused_in_one_line(
        tmp_path: Path, home: Course, encoded: bytes, words: list[str]) -> None:
    path = tmp_path / ANSWERS_FILE
    path.write_bytes(encoded)
    assert_one_line_refusal(home.grade("01", "--answers", str(path)), str(path), *words)


def test_a_missing_answers_file_or_a_folder_is_refused_in_one_line(tmp_path: Path,
                                                                   home: Course) -> None:
    missing_file = tmp_path / "no-such" / ANSWERS_FILE
    assert_one_line_refusal(home.grade("01", "--answers", str(missing_file)),
                            f"{missing_file} does not exist", "writes a blank answers file")
    assert not missing_file.exists()
    assert_one_line_refusal(home.grade("01", "--answers", str(tmp_path)),
                            f"{tmp_path} is a folder, not a file", "the answers file itself")
    (tmp_path / ANSWERS_FILE).write_text(_right_01())
    assert_one_line_refusal(home.grade("01", "--answers", str(tmp_path)),
                            f"Did you mean {tmp_path / ANSWERS_FILE}?")


def _in_a_terminal(home: Course, *args: str) -> tuple[str, int]:
    """Run `grade ARGS` in a pseudo-terminal, pressing Enter at each question (its first
    option): what the screen showed, and the exit status."""
    import os
    import pty
    import select
    import time

    from tests.conftest import BIN

    pid, fd = pty.fork()
    if pid == 0:  # the learner's terminal
        os.execve(str(BIN / "grade"), ["grade", *args], home.env)
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
        questions_shown = len(re.findall(rb"\(\d+/\d+\)", seen))
        if questions_shown > asked and not seen.rstrip().endswith(b")"):
            os.write(fd, b"\r")
            asked = questions_shown
    _, status = os.waitpid(pid, 0)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", seen.decode(errors="replace"))
    return text, os.waitstatus_to_exitcode(status)


def test_a_terminal_gets_the_questions_one_by_one(tmp_path: Path, home: Course) -> None:
    """In a (pseudo-)terminal, `grade 01` asks; Enter picks the highlighted option.
    Asked again, it asks only the questions not answered right yet."""
    blank = tmp_path / "answers.toml"
    blank.write_text("")
    quiz = load_quiz(EXERCISES / "01-shared-responsibility")
    total = len(quiz.questions)
    text, status = _in_a_terminal(home, "01", "--answers", str(blank))
    assert "(1/" in text and f"({total}/{total})" in text
    assert "Right." in text and "Not right." in text
    assert status == 1
    assert "01-shared-responsibility" in home.grade().stdout
    wrong = [q for q in quiz.questions if right_letters(quiz.exercise, q) != "a"]
    assert 0 < len(wrong) < total
    text, status = _in_a_terminal(home, "01", "--answers", str(blank))
    assert f"Answered right before: {total - len(wrong)} of {total} questions" in text
    assert f"(1/{len(wrong)})" in text and f"/{total})" not in text
    assert all(q.prompt in text for q in wrong)
    assert status == 1
