"""Bad input: one line saying what is wrong and what to do, exit 2, no traceback,
and nothing the learner recorded is lost."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.conftest import BIN, EXERCISES, ROOT, Course


def assert_clean_refusal(done, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert done.stderr.startswith("grade: ")
    for word in words:
        assert word in done.stderr, done.stderr


def test_unknown_exercise_suggests_the_nearest(home: Course) -> None:
    assert_clean_refusal(home.grade("stop-usng-root"), "no exercise", "03-stop-using-root")
    assert_clean_refusal(home.grade("99"), "no exercise", "grade list")
    assert_clean_refusal(home.grade("08"), "not in this version")


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
    reset = home.grade("sandbox", "reset", "--yes")
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
    assert home.grade("sandbox", "reset", "--yes").returncode == 0
    assert home.grade("sandbox", "stop").returncode == 0
    kept = list((home.home / "sandbox" / "archive").rglob("record.sqlite"))
    assert kept and kept[0].read_bytes() == b"garbage" * 1000


def test_a_check_without_data_stops_the_grading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from grader.checks.target import sandbox_target
    from grader.course.exercises import find
    from grader.errors import GradeError
    from grader.grading.runner import run_checks

    nobody = sandbox_target("http://127.0.0.1:9", "us-east-1", "AKIAEXAMPLE", "secret")
    with pytest.raises(GradeError, match="Could not reach the account"):
        run_checks(find("03"), nobody)


def test_a_conftest_above_the_exercise_is_not_loaded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """pytest stops at the exercise's folder: a conftest.py in a folder above it (the
    course's, a learner's home) is never imported by a grading."""
    import shutil

    import pytest

    from grader.checks.target import sandbox_target
    from grader.course.exercises import load
    from grader.errors import GradeError
    from grader.grading.runner import run_checks

    above = tmp_path / "somewhere"
    folder = above / "00-setup"
    shutil.copytree(EXERCISES / "00-setup", folder)
    loaded = tmp_path / "conftest-was-loaded"
    (above / "conftest.py").write_text(f"open({str(loaded)!r}, 'w').close()\n")
    nobody = sandbox_target("http://127.0.0.1:9", "us-east-1", "AKIAEXAMPLE", "secret")
    with pytest.raises(GradeError, match="Could not reach the account"):
        run_checks(load(folder), nobody)
    assert not loaded.exists()


def test_the_learners_aws_configuration_does_not_disturb_grading(fresh: Course) -> None:
    env = {**fresh.env, "AWS_PROFILE": "no-such-profile", "AWS_DEFAULT_REGION": "eu-west-3"}
    done = fresh.grade("03", "--json", env=env)
    assert done.returncode == 1, done.stderr


def test_a_check_that_breaks_is_not_a_verdict(tmp_path, fresh: Course) -> None:  # type: ignore[no-untyped-def]
    import shutil

    import pytest

    from grader.checks.target import sandbox_target
    from grader.course.exercises import load
    from grader.errors import GradeError
    from grader.grading.runner import run_checks

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


def test_a_closed_stdout_ends_grade_quietly(home: Course) -> None:
    """`grade sandbox start | head -1`: the reader is gone; grade does its job and exits
    as a program killed by SIGPIPE would (141), with no traceback and nothing logged."""
    def run_unread(*args: str) -> subprocess.CompletedProcess[str]:
        reader, writer = os.pipe()
        os.close(reader)  # nobody will ever read what grade prints
        try:
            return subprocess.run([str(BIN / "grade"), *args], env=home.env, stdout=writer,
                                  stderr=subprocess.PIPE, text=True, timeout=120, check=False)
        finally:
            os.close(writer)

    for args in (("list",), ("sandbox", "start"), ("sandbox", "status")):
        done = run_unread(*args)
        assert done.returncode == 141, (args, done.stderr)
        assert done.stderr == "", (args, done.stderr)
    try:
        assert home.grade("sandbox", "status").returncode == 0  # the start was done
    finally:
        assert home.grade("sandbox", "stop").returncode == 0
    assert not (home.home / "grade-errors.log").exists()


def test_an_unusable_grade_home_is_one_clean_refusal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    homes = [a_file, a_file / "grade-home"]
    if os.geteuid() == 0:  # root may write anywhere but in /sys
        if Path("/sys").is_dir():
            homes.append(Path("/sys/grade-home"))
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        homes.append(locked / "grade-home")
    for home in homes:
        course = Course(home)
        for args in ((), ("sandbox", "start"), ("03",)):
            done = course.grade(*args)
            assert_clean_refusal(done, str(home))
            assert done.stderr.count("\n") <= 2, done.stderr  # its reason, and what to do
    assert a_file.read_text() == "not a folder"


def test_everything_grade_creates_is_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Folders 0700 and files 0600, whatever the umask, each level grade creates."""
    course = Course(tmp_path / "new" / "grade-home")

    def grade(*args: str) -> None:
        done = subprocess.run([str(BIN / "grade"), *args], env=course.env, umask=0o002,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode in (0, 1), done.stderr

    grade("sandbox", "start")
    grade("00", "--json")
    grade("sandbox", "advance", "1m")  # a change: the reset has something to archive
    grade("sandbox", "reset", "--yes")
    grade("sandbox", "stop")
    crash = subprocess.run(  # an unexpected error: its details go to grade-errors.log
        [sys.executable, "-c",
         "import grader.command.main as c; c.run = lambda args: 1 / 0; c.main([])"],
        env=course.env, umask=0o002, cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=False)
    assert crash.returncode == 2 and "grade-errors.log" in crash.stderr, crash.stderr
    assert "Traceback" not in crash.stderr
    created = [tmp_path / "new", *(tmp_path / "new").rglob("*")]
    assert course.home / "grade-errors.log" in created
    assert course.home / "sandbox" / "archive" in created
    exposed = [f"{oct(p.stat().st_mode & 0o777)} {p}" for p in created
               if p.stat().st_mode & 0o077]
    assert exposed == []


def test_answers_that_are_not_a_small_file_are_refused(home: Course, tmp_path) -> None:  # type: ignore[no-untyped-def]
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as handle:
        handle.truncate(2_000_000)  # sparse: no time or disk spent
    fifo = tmp_path / "answers.fifo"
    os.mkfifo(fifo)
    cases = [(huge, "larger than 1 MB"), (fifo, "not a regular file"),
             (Path("/dev/zero"), "not a regular file")]
    for path, reason in cases:
        assert_clean_refusal(home.grade("01", "--answers", str(path)), str(path), reason)
    from grader.quiz.model import load_quiz

    small = tmp_path / "answers.toml"
    quiz = load_quiz(EXERCISES / "01-shared-responsibility")
    small.write_text("".join(f'{q.id} = "a"\n' for q in quiz.questions))
    done = home.grade("01", "--answers", str(small), "--json")
    assert done.returncode in (0, 1), done.stderr  # a real file is read and graded
    assert json.loads(done.stdout)["checks"]
