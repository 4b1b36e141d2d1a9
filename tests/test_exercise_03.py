"""03-stop-using-root through the real `grade` command on a real simulated account:
the starting account fails, every wrong solution fails the check it targets,
every reference solution passes."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.conftest import EXERCISES, Course
from tests.exercise_verdicts import the_server_agrees

FOLDER = EXERCISES / "03-stop-using-root"
CHECKS = ["iam-user-with-password", "admin-group", "user-in-admin-group",
          "signed-in-as-admin", "root-has-no-access-keys", "root-not-used-after-admin"]
BROKEN = sorted(p for p in (FOLDER / "broken").glob("*.py") if not p.name.startswith("_"))


def verdicts(course: Course) -> tuple[int, dict[str, bool]]:
    status, result = course.grade_json("03")
    assert [c["id"] for c in result["checks"]] == CHECKS
    return status, {c["id"]: c["passed"] for c in result["checks"]}


def declared_failures(script: Path) -> list[str]:
    found = re.search(r"^fails: (.+)$", script.read_text(), re.MULTILINE)
    assert found, f"{script.name} must say which checks it fails ('fails: ...')"
    return [name.strip() for name in found.group(1).split(",")]


def test_starting_account_fails_every_check(fresh: Course) -> None:
    status, passed = verdicts(fresh)
    assert status == 1
    assert not any(passed.values()), passed


def test_cli_solution_passes(fresh: Course) -> None:
    done = fresh.run(["bash", str(FOLDER / "solution" / "solution.sh")])
    assert done.returncode == 0, done.stderr
    status, passed = verdicts(fresh)
    assert status == 0 and all(passed.values()), passed


def test_boto3_solution_passes(fresh: Course) -> None:
    done = fresh.run([sys.executable, str(FOLDER / "solution" / "solution_boto3.py")])
    assert done.returncode == 0, done.stderr
    status, passed = verdicts(fresh)
    assert status == 0 and all(passed.values()), passed
    the_server_agrees(fresh, "03")


def test_console_solution_passes(fresh: Course) -> None:
    password = fresh.account()["root_password"]
    done = fresh.run(["bash", str(FOLDER / "solution" / "console.sh"), password])
    assert done.returncode == 0, done.stderr + done.stdout
    status, passed = verdicts(fresh)
    assert status == 0 and all(passed.values()), passed


@pytest.mark.parametrize("script", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_solution_fails_its_check(fresh: Course, script: Path) -> None:
    expected = declared_failures(script)
    assert set(expected) <= set(CHECKS)
    done = fresh.run([sys.executable, str(script)], cwd=script.parent)
    assert done.returncode == 0, done.stderr
    status, passed = verdicts(fresh)
    assert status == 1
    assert [c for c in CHECKS if not passed[c]] == [c for c in CHECKS if c in expected], passed


NOTEBOOK_RUNNER = (
    "import sys, nbformat, nbclient\n"
    "notebook = nbformat.read(sys.argv[1], as_version=4)\n"
    "nbclient.NotebookClient(notebook, timeout=120, kernel_name='python3').execute()\n"
)


def test_notebook_solution_passes(fresh: Course) -> None:
    notebook = FOLDER / "solution" / "solution.ipynb"
    done = fresh.run([sys.executable, "-c", NOTEBOOK_RUNNER, str(notebook)])
    assert done.returncode == 0, done.stderr[-2000:]
    status, passed = verdicts(fresh)
    assert status == 0 and all(passed.values()), passed


EARLY_TRY = """
import _steps as s
s.user()
s.act_as()          # the new password tried before the group is done: not the switch yet
s.group()           # root finishes the set-up...
s.join()
s.act_as()          # ...then the user is used as the admin: the switch
s.iam().generate_credential_report()   # root reads the credential report: a read
s.delete_root_keys()
"""


def test_trying_the_user_before_it_is_admin_is_not_the_switch(fresh: Course) -> None:
    done = fresh.run([sys.executable, "-c", EARLY_TRY], cwd=FOLDER / "broken")
    assert done.returncode == 0, done.stderr
    status, passed = verdicts(fresh)
    assert status == 0 and all(passed.values()), passed


def permanent_checks(course: Course) -> list[str]:
    _, result = course.grade_json("03")
    return [c["id"] for c in result["checks"] if c["permanent"]]


def test_a_check_fails_for_good_only_once_the_record_makes_it_so(fresh: Course) -> None:
    """Untouched, every check can still be fixed: nothing says to start over. Once root
    has done everyday work after the switch, that check (and only it) is final, and the
    advice is `grade restart 03`; a restart makes it fixable again."""
    assert permanent_checks(fresh) == []
    shown = fresh.grade("03").stdout
    assert "Fix the first failing one" in shown and "grade restart" not in shown

    script = FOLDER / "broken" / "root_used_afterwards.py"
    done = fresh.run([sys.executable, str(script)], cwd=script.parent)
    assert done.returncode == 0, done.stderr
    assert permanent_checks(fresh) == ["root-not-used-after-admin"]
    shown = fresh.grade("03").stdout
    assert "cannot be fixed in this account: `grade restart 03`" in shown
    assert "Start over:" in shown

    restarted = fresh.grade("restart", "03", "--yes")
    assert restarted.returncode == 0, restarted.stderr
    assert permanent_checks(fresh) == []
