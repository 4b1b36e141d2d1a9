"""The command line as a learner meets it: usage, mistakes, reading in a terminal."""

from __future__ import annotations

import json
import re
import subprocess

from grader.report import wrap
from tests.conftest import Course


def test_usage_shows_how_to_grade_an_exercise(home: Course) -> None:
    done = home.grade("-h")
    assert done.returncode == 0
    assert "usage: grade [NN]" in done.stdout
    for command in ("watch", "restart", "solution", "sandbox"):
        assert command in done.stdout


def test_a_near_miss_suggests_the_exercise(home: Course) -> None:
    done = home.grade("03-stop")
    assert done.returncode == 2
    assert "Did you mean `grade 03-stop-using-root`?" in done.stderr


def test_json_errors_are_json(home: Course) -> None:
    done = home.grade("nonsense", "--json")
    assert done.returncode == 2
    error = json.loads(done.stdout)
    assert "no exercise" in error["error"] and error["exitStatus"] == 2
    usage = home.grade("03", "--bogus", "--json")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    assert "unrecognized arguments" in json.loads(usage.stdout)["error"]


def test_answers_for_a_hands_on_exercise_is_an_error(home: Course) -> None:
    done = home.grade("03", "--answers", "answers.toml")
    assert done.returncode == 2
    assert "--answers is for quizzes" in done.stderr


def test_sandbox_help_documents_status_3(home: Course) -> None:
    done = home.grade("sandbox", "-h")
    assert done.returncode == 0 and "3 not running" in done.stdout
    assert home.grade("sandbox", "status").returncode == 3


def test_sandbox_env_clears_a_profile_the_learner_had(fresh: Course) -> None:
    """With AWS_PROFILE=work (a profile this machine does not have), the AWS CLI
    would fail; after `eval "$(grade sandbox env)"` it reaches the account (as root, whose
    key a fresh account has: another test may have deleted it from the shared one)."""
    course = fresh
    env = course.env | {"AWS_PROFILE": "work", "AWS_SESSION_TOKEN": "stale"}
    done = subprocess.run(
        ["bash", "-c", 'eval "$(grade sandbox env)" && aws sts get-caller-identity'],
        env=env, text=True, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Arn"].endswith(":root")
    without = subprocess.run(["bash", "-c", "aws sts get-caller-identity"],
                             env=env | course.sandbox_env() | {"AWS_PROFILE": "work"},
                             text=True, capture_output=True, timeout=60, check=False)
    assert without.returncode != 0  # the profile was the problem, and env fixes it


def test_wrapping_never_breaks_a_command() -> None:
    text = ("As root, list its keys (`aws iam list-access-keys --user-name some-long-name`), "
            "then run `eval \"$(grade sandbox env)\"` and check with "
            "`aws sts get-caller-identity`.")
    for columns in range(40, 100, 7):
        lines = wrap(text, indent="  ", columns=columns).splitlines()
        for line in lines:
            assert line.count("`") % 2 == 0, (columns, line)  # a command never spans lines
        assert " ".join(line.strip() for line in lines) == text


def test_show_renders_the_markdown(home: Course) -> None:
    done = home.grade("show", "03")
    assert done.returncode == 0
    assert "```" not in done.stdout and "## " not in done.stdout
    assert "!!!" not in done.stdout and "Root's calls cannot be taken back" in done.stdout
    assert "grade console signin YOUR-USER" in done.stdout
    for line in done.stdout.splitlines():
        assert line.count("`") % 2 == 0 and len(line) <= 100


def test_hints_end_with_the_lesson_and_the_solution(home: Course) -> None:
    hints = [home.grade("hint", "03").stdout for _ in range(4)]
    assert [h.splitlines()[0] for h in hints] == [f"Hint {n} of 4 for 03-stop-using-root:"
                                                 for n in range(1, 5)]
    after = home.grade("hint", "03").stdout
    assert "no more hints" in after and "lessons/stop-using-root.html" in after
    assert "grade solution 03" in after
    first = home.grade("solution", "03").stdout
    assert "Reading a worked solution is fine" in first
    assert "aws iam create-user" not in first  # not yet: asked once
    second = home.grade("solution", "03").stdout
    assert "aws iam create-user" in second and "```" not in second
    assert "solution_boto3.py" in second and "solution.ipynb" in second


def test_progress_shows_a_bar_and_the_next_step(home: Course) -> None:
    done = home.grade()
    assert done.returncode == 0
    assert re.search(r"\[[#-]{24}\]  0 of \d+ exercises done", done.stdout)
    assert "Next: 00-setup" in done.stdout
