"""Bad input: one line saying what is wrong and what to do, exit 2, no traceback,
and nothing the learner recorded is lost."""

from __future__ import annotations

import json
import socket
import sqlite3

from tests.conftest import EXERCISES, Course


def assert_clean_refusal(done, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert done.stderr.startswith("grade: ")
    for word in words:
        assert word in done.stderr, done.stderr


def test_unknown_exercise_suggests_the_nearest(home: Course) -> None:
    assert_clean_refusal(home.grade("stop-using-rot"), "no exercise", "03-stop-using-root")
    assert_clean_refusal(home.grade("99"), "no exercise", "grade list")
    assert_clean_refusal(home.grade("04"), "not in this version")


def test_sandbox_not_running(home: Course) -> None:
    assert_clean_refusal(home.grade("03"), "not running", "grade sandbox start")
    assert_clean_refusal(home.grade("sandbox", "env"), "not running")


def test_port_taken(home: Course) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert_clean_refusal(home.grade("sandbox", "start", "--port", str(port)),
                             f"Port {port} is already in use")


def test_corrupt_account_file(home: Course) -> None:
    folder = home.home / "sandbox"
    folder.mkdir(parents=True)
    (folder / "account.json").write_text("{not json")
    assert_clean_refusal(home.grade("sandbox", "start"), "damaged", "grade sandbox reset")
    reset = home.grade("sandbox", "reset")
    assert reset.returncode == 0, reset.stderr
    assert home.grade("sandbox", "stop").returncode == 0
    assert any((folder / "archive").rglob("account.json"))  # the damaged file is kept


def test_corrupt_progress_is_never_overwritten(home: Course) -> None:
    home.home.mkdir(parents=True, exist_ok=True)
    progress = home.home / "progress.sqlite"
    progress.write_bytes(b"this is not a database" * 100)
    assert_clean_refusal(home.grade(), "damaged", "has not been changed")
    assert progress.read_bytes() == b"this is not a database" * 100


def test_unreachable_endpoint(home: Course) -> None:
    folder = home.home / "sandbox"
    started = home.grade("sandbox", "start")
    assert started.returncode == 0
    runtime = json.loads((folder / "runtime.json").read_text())
    assert home.grade("sandbox", "stop").returncode == 0
    runtime["endpoint"] = "http://127.0.0.1:9"  # nobody listens there
    runtime["pid"] = 1
    (folder / "runtime.json").write_text(json.dumps(runtime))
    assert_clean_refusal(home.grade("03"), "not running")


def test_missing_live_profile(home: Course) -> None:
    assert_clean_refusal(home.grade("03", "--profile", "no-such-profile"),
                         "no AWS profile named 'no-such-profile'")


def test_progress_survives_bad_input(fresh: Course) -> None:
    fresh.grade("03")
    progress = fresh.home / "progress.sqlite"
    before = sqlite3.connect(progress).execute("SELECT COUNT(*) FROM gradings").fetchone()[0]
    assert_clean_refusal(fresh.grade("nope"), "no exercise")
    assert_clean_refusal(fresh.grade("03", "--profile", "nope"), "profile")
    after = sqlite3.connect(progress).execute("SELECT COUNT(*) FROM gradings").fetchone()[0]
    assert after == before >= 1


def test_corrupt_record(home: Course) -> None:
    assert home.grade("sandbox", "start").returncode == 0
    assert home.grade("sandbox", "stop").returncode == 0
    record = home.home / "sandbox" / "record.sqlite"
    record.write_bytes(b"garbage" * 1000)
    assert_clean_refusal(home.grade("sandbox", "start"), "record", "is damaged",
                         "grade sandbox reset")
    assert home.grade("sandbox", "reset").returncode == 0
    assert home.grade("sandbox", "stop").returncode == 0
    kept = list((home.home / "sandbox" / "archive").rglob("record.sqlite"))
    assert kept and kept[0].read_bytes() == b"garbage" * 1000


def test_a_check_without_data_stops_the_grading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from grader.checks.target import sandbox_target
    from grader.errors import GradeError
    from grader.exercises import find
    from grader.runner import run_checks

    nobody = sandbox_target("http://127.0.0.1:9", "us-east-1", "AKIAEXAMPLE", "secret")
    with pytest.raises(GradeError, match="Could not reach the account"):
        run_checks(find("03"), nobody)


def test_the_learners_aws_configuration_does_not_disturb_grading(fresh: Course) -> None:
    env = {**fresh.env, "AWS_PROFILE": "no-such-profile", "AWS_DEFAULT_REGION": "eu-west-3"}
    done = fresh.grade("03", "--json", env=env)
    assert done.returncode == 1, done.stderr


def test_a_check_that_breaks_is_not_a_verdict(tmp_path, fresh: Course) -> None:  # type: ignore[no-untyped-def]
    import shutil

    import pytest

    from grader.checks.target import sandbox_target
    from grader.errors import GradeError
    from grader.exercises import load
    from grader.runner import run_checks

    folder = tmp_path / "09-broken-check"
    shutil.copytree(EXERCISES / "00-setup", folder)
    (folder / "exercise.toml").write_text(
        (folder / "exercise.toml").read_text().replace('"00-setup"', '"09-broken-check"'))
    check = folder / "test_setup.py"
    check.write_text(check.read_text().replace("calls = [", "calls = {}['missing'] or ["))
    account = fresh.account()
    target = sandbox_target(fresh.sandbox_env()["AWS_ENDPOINT_URL"], "us-east-1",
                            account["grader_key_id"], account["grader_secret"])
    with pytest.raises(GradeError, match="Could not run the check 'called-get-caller-identity'"):
        run_checks(load(folder), target)
