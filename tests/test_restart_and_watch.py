"""Starting an exercise over (`grade restart`) and watching the checks (`grade watch`)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from pathlib import Path
from queue import Empty, Queue

from tests.conftest import BIN, EXERCISES, Course, client

BROKEN = EXERCISES / "03-stop-using-root" / "broken"


def _checks(course: Course) -> dict[str, bool]:
    _, result = course.grade_json("03")
    return {c["id"]: c["passed"] for c in result["checks"]}


def test_a_root_write_after_the_switch_can_be_started_over(fresh: Course) -> None:
    # 00 done and passed first: its work must survive the restart of 03.
    assert fresh.run(["aws", "sts", "get-caller-identity"]).returncode == 0
    assert fresh.grade("00").returncode == 0
    done = fresh.run([sys.executable, str(BROKEN / "root_used_afterwards.py")], cwd=BROKEN)
    assert done.returncode == 0, done.stderr
    failed = fresh.grade("03")
    assert failed.returncode == 1
    assert "root was used for everyday work after you had switched" in failed.stdout
    assert "cannot be changed" in failed.stdout and "grade restart 03" in failed.stdout
    assert "Fix the first failing one" not in failed.stdout

    refused = fresh.grade("restart", "03")  # no terminal, no --yes: it asks, so it refuses
    assert refused.returncode == 2 and "--yes" in refused.stderr
    restarted = fresh.grade("restart", "03", "--yes")
    assert restarted.returncode == 0, restarted.stderr
    assert "first passed 00-setup" in restarted.stdout

    env = fresh.sandbox_env()  # root's key is back: it was deleted after 00 passed
    assert client(env, "iam").list_users()["Users"] == []  # 03's work is undone...
    assert fresh.grade("00").returncode == 0  # ...00's is not
    archived = list((fresh.home / "sandbox" / "archive").rglob("record.sqlite"))
    assert archived  # the old record is kept

    # Solved again (with boto3: one process, where the AWS CLI solution starts ten).
    solution = EXERCISES / "03-stop-using-root" / "solution" / "solution_boto3.py"
    assert fresh.run([sys.executable, str(solution)]).returncode == 0
    assert all(_checks(fresh).values())


def test_restart_without_an_earlier_exercise_goes_back_to_the_opened_account(
        fresh: Course) -> None:
    env = fresh.sandbox_env()
    client(env, "iam").create_user(UserName="mistake")
    done = fresh.grade("restart", "3", "--yes")
    assert done.returncode == 0, done.stderr
    assert "when it was opened" in done.stdout
    assert client(fresh.sandbox_env(), "iam").list_users()["Users"] == []


def _lines(process: subprocess.Popen[str], into: Queue[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        into.put(line)


def _until(lines: Queue[str], text: str, timeout: float = 60.0) -> list[str]:
    seen = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except Empty:
            raise AssertionError(f"never printed {text!r}; printed:\n{''.join(seen)}") from None
        seen.append(line)
        if text in line:
            return seen


def _grading_after(lines: Queue[str], text: str) -> str:
    """The first of watch's gradings that says `text` (a grading of a write made just
    before the change watched for may still come first)."""
    seen = []
    for _ in range(5):
        seen.append("".join(_until(lines, "watching the")))
        if text in seen[-1]:
            return seen[-1]
    raise AssertionError(f"no grading said {text!r}:\n" + "\n".join(seen))


def test_watch_regrades_when_the_account_changes(fresh: Course) -> None:
    process = subprocess.Popen([str(BIN / "grade"), "watch", "03"], env=fresh.env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: Queue[str] = Queue()
    threading.Thread(target=_lines, args=(process, lines), daemon=True).start()
    try:
        first = _until(lines, "watching the simulated account")
        assert "0 of 6 checks pass" in "".join(first)
        iam = client(fresh.sandbox_env(), "iam")
        iam.create_user(UserName="alice")
        iam.create_login_profile(UserName="alice", Password="Correct-Horse-Battery-Staple-42")
        second = _until(lines, "watching the simulated account")
        assert "PASS  An IAM user for you exists" in "".join(second)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in (process.stderr.read() if process.stderr else "")
    gradings = json.loads(fresh.grade("03", "--json").stdout)
    assert gradings["checks"][0]["passed"]


def test_watch_is_for_hands_on_exercises(home: Course) -> None:
    done = home.grade("watch", "01")
    assert done.returncode == 2 and "hands-on" in done.stderr


def test_checkpoints_file_is_private(fresh: Course) -> None:
    path: Path = fresh.home / "sandbox" / "checkpoints.json"
    assert path.stat().st_mode & 0o077 == 0
    assert "opened" in json.loads(path.read_text())


def test_watch_follows_the_account_when_it_is_rebuilt(fresh: Course) -> None:
    """Reset (in the account's process), restart (a new process) and a stop and start: each
    time watch says the account was rebuilt and grades the new one; it never quits."""
    process = subprocess.Popen([str(BIN / "grade"), "watch", "03"], env=fresh.env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: Queue[str] = Queue()
    threading.Thread(target=_lines, args=(process, lines), daemon=True).start()
    try:
        _until(lines, "watching the simulated account")
        iam = client(fresh.sandbox_env(), "iam")
        iam.create_user(UserName="alice")
        iam.create_login_profile(UserName="alice", Password="Correct-Horse-Battery-Staple-42")
        assert "PASS  An IAM user for you exists" in "".join(_until(lines, "watching the"))

        assert fresh.grade("sandbox", "reset", "--yes").returncode == 0
        after_reset = _grading_after(lines, "was rebuilt")
        assert "0 of 6 checks pass" in after_reset

        client(fresh.sandbox_env(), "iam").create_user(UserName="bob")
        _until(lines, "watching the")
        assert fresh.grade("restart", "03", "--yes").returncode == 0
        after_restart = _grading_after(lines, "was rebuilt")
        assert "0 of 6 checks pass" in after_restart

        assert fresh.grade("sandbox", "stop").returncode == 0
        _until(lines, "stopped answering")
        assert fresh.grade("sandbox", "start").returncode == 0
        _grading_after(lines, "was rebuilt")
        assert process.poll() is None  # still watching
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in (process.stderr.read() if process.stderr else "")


def test_watch_keeps_where_the_next_exercise_begins(fresh: Course) -> None:
    """A pass seen by watch is a pass: the next exercise starts there (`grade restart`)."""
    solution = EXERCISES / "03-stop-using-root" / "solution" / "solution_boto3.py"
    assert fresh.run([sys.executable, str(solution)]).returncode == 0
    process = subprocess.Popen([str(BIN / "grade"), "watch", "03"], env=fresh.env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: Queue[str] = Queue()
    threading.Thread(target=_lines, args=(process, lines), daemon=True).start()
    try:
        assert "All 6 checks pass" in "".join(_until(lines, "watching the simulated account"))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    marks = json.loads((fresh.home / "sandbox" / "checkpoints.json").read_text())
    assert "03-stop-using-root" in marks


def test_watch_takes_answers_only_where_an_exercise_asks(home: Course) -> None:
    done = home.grade("watch", "03", "--answers", "answers.toml")
    assert done.returncode == 2 and "graded from the account itself" in done.stderr
    assert "Traceback" not in done.stderr
