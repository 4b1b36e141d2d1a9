"""00-setup: fails until the learner has asked the account who they are."""

from __future__ import annotations

from tests.conftest import EXERCISES, Course

FOLDER = EXERCISES / "00-setup"


def test_starting_account_fails(fresh: Course) -> None:
    status, result = fresh.grade_json("00")
    assert status == 1 and not result["passed"]


def test_cli_solution_passes(fresh: Course) -> None:
    done = fresh.run(["bash", str(FOLDER / "solution" / "solution.sh")])
    assert done.returncode == 0, done.stderr
    status, result = fresh.grade_json("00")
    assert status == 0 and result["passed"]


def test_other_calls_do_not_count(fresh: Course) -> None:
    done = fresh.run(["bash", str(FOLDER / "broken" / "other_call.sh")])
    assert done.returncode == 0, done.stderr
    status, _ = fresh.grade_json("00")
    assert status == 1


def test_refused_call_does_not_count(fresh: Course) -> None:
    env = fresh.sandbox_env()
    env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    env["AWS_ACCESS_KEY_ID"] = "AKIAUNKNOWNKEY000000"
    done = fresh.run(["bash", str(FOLDER / "broken" / "unknown_key.sh")], env=env)
    assert done.returncode != 0
    assert "InvalidClientTokenId" in done.stderr
    status, _ = fresh.grade_json("00")
    assert status == 1
