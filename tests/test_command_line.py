"""The command line as a learner meets it: usage, mistakes, reading in a terminal."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from grader.command.report import wrap
from tests.conftest import Course


def test_usage_shows_how_to_grade_an_exercise(home: Course) -> None:
    done = home.grade("-h")
    assert done.returncode == 0
    assert "usage: grade [NN]" in done.stdout
    for command in ("watch", "restart", "solution", "sandbox"):
        assert command in done.stdout


def test_a_near_miss_suggests_the_exercise(home: Course) -> None:
    done = home.grade("03-stop-usin-root")
    assert done.returncode == 2
    assert "Did you mean `grade 03-stop-using-root`?" in done.stderr


def test_the_start_of_one_exercises_name_is_that_exercise(home: Course) -> None:
    task = home.grade("show", "03").stdout
    assert task.splitlines()[0].strip() == "Stop using the root user"
    for name in ("03-stop", "stop-using", "03-STOP-using"):
        shown = home.grade("show", name)
        assert shown.returncode == 0 and shown.stdout == task, (name, shown.stderr)
    assert home.grade("show", "mfa").stdout == home.grade("show", "04").stdout
    graded = home.grade("03-stop")  # graded as 03, which needs the simulated account
    assert graded.returncode == 2 and "not running" in graded.stderr, graded.stderr
    assert "no exercise" not in graded.stderr


def test_the_start_of_several_names_lists_them(tmp_path: Path) -> None:
    from grader.course.exercises import find
    from grader.errors import GradeError

    for folder in ("01-cloud-basics", "02-cloudtrail"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "README.md").write_text("# Task\n")
        (tmp_path / folder / "exercise.toml").write_text(
            f'id = "{folder}"\ntitle = "T"\nkind = "hands-on"\nlesson = "l.md"\n'
            'summary = "S"\nhints = ["h"]\n')
    assert find("cloudt", tmp_path).id == "02-cloudtrail"
    with pytest.raises(GradeError) as several:
        find("cloud", tmp_path)
    assert several.value.fix == "Did you mean `grade 01-cloud-basics` or `grade 02-cloudtrail`?"


def test_help_is_dash_h_and_a_word_like_a_command_suggests_it(home: Course) -> None:
    usage = home.grade("-h").stdout
    helped = home.grade("help")
    assert helped.returncode == 0 and helped.stdout == usage
    assert home.grade("help", "sandbox").stdout == home.grade("sandbox", "-h").stdout
    refused = home.grade("help", "nonsense")
    assert refused.returncode == 2 and "no command 'nonsense'" in refused.stderr
    for typed, meant in (("lsit", "list"), ("hepl", "help"), ("sandbx", "sandbox")):
        done = home.grade(typed, "start")
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert f"Did you mean `grade {meant}`?" in done.stderr, done.stderr
        assert len(done.stderr.splitlines()) == 2
    unlike = home.grade("banana")
    assert unlike.returncode == 2 and "no exercise 'banana'" in unlike.stderr
    assert "Did you mean" not in unlike.stderr  # not like any exercise or command


def test_help_names_every_exercise_that_has_a_start(home: Course) -> None:
    from tests.conftest import EXERCISES

    with_a_start = sorted(p.parent.name[:2] for p in EXERCISES.glob("*/start.py"))
    assert len(with_a_start) >= 2
    usage = " ".join(home.grade("-h").stdout.split())
    assert f"begins happen ({', '.join(with_a_start)})" in usage


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


def test_two_boxes_in_a_row_stay_two() -> None:
    """`grade show 04`: two tips one after the other ran together as one quote."""
    from grader.command.terminal_markdown import render

    text = ('!!! tip "Codes are used once"\n    First tip.\n\n'
            '!!! tip "An expired session"\n    Second tip.\n')
    shown = render(text, 80, terminal=False)
    first, second = shown.index("Codes are used once"), shown.index("An expired session")
    assert "First tip." in shown[first:second]
    between = shown[shown.index("First tip."):second]
    assert "\n\n" in between or "\n \n" in between, shown  # a quote ends, another begins


def test_show_never_wraps_a_code_block(home: Course) -> None:
    """Each line of each README's code blocks is shown whole, even on a narrow screen (the
    comment after `grade authenticator add ...` in 04 stays on its line); prose still wraps."""
    from markdown_it import MarkdownIt

    from grader.command.terminal_markdown import quote_admonitions
    from tests.conftest import EXERCISES

    env = {**home.env, "COLUMNS": "60"}
    every_code_line: list[str] = []
    for readme in sorted(EXERCISES.glob("*/README.md")):
        # `!!! tip` boxes are indented: read as the terminal shows them, not as code.
        blocks = [token.content
                  for token in MarkdownIt().parse(quote_admonitions(readme.read_text()))
                  if token.type in ("fence", "code_block")]
        shown = home.grade("show", readme.parent.name[:2], env=env)
        assert shown.returncode == 0, shown.stderr
        lines = [line.strip() for line in shown.stdout.splitlines()]
        code = [line.strip() for block in blocks for line in block.splitlines()
                if line.strip()]
        every_code_line += code
        for line in code:
            assert line in lines, (readme.parent.name, line)
        assert all(len(line) <= 60 for line in shown.stdout.splitlines()
                   if line.strip() not in code), readme.parent.name
    long = [line for line in every_code_line if len(line) > 60]
    assert long, "no README code line is longer than the screen: the test proves nothing"


def test_code_blocks_in_a_terminal_keep_their_lines_and_colours() -> None:
    from grader.command.terminal_markdown import render

    text = ("Run:\n\n```bash\naws iam list-users --output text   # a comment that goes on "
            "and on\n```\n\n1. In a list:\n\n    ```bash\n    echo one two three four five "
            "six seven eight\n    ```\n")
    shown = render(text, 40, terminal=True)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    assert " aws iam list-users --output text   # a comment that goes on and on\n" in plain
    assert re.search(r"\n {3,}echo one two three four five six seven eight\n", plain), plain
    assert "\x1b[" in shown  # highlighted still
    assert all(len(line) <= 40 for line in plain.splitlines() if "#" not in line
               and "echo" not in line)


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
