"""Gradings run by the simulated account's own process (`grader.grading.in_account`):
only `grade` may ask, the verdict is the one a separate process reaches, and what
cannot be graded is refused with the reason."""

from __future__ import annotations

import json
import sqlite3
import sys

from grader.sandbox.history.record import RECORD_FILE
from tests.conftest import EXERCISES, Course
from tests.front_desk import send

GRADE = "/_sandbox/grade"
BODY = json.dumps({"exercise": "03"}).encode()
JSON = {"Content-Type": "application/json"}

LOCAL_GRADING = """
import json, sys
from grader.checks.target import sandbox_target
from grader.course.exercises import find
from grader.grading.runner import run_checks
endpoint, region, key, secret = sys.argv[1:5]
target = sandbox_target(endpoint, region, key, secret)
print(json.dumps(run_checks(find("03"), target).to_json()))
"""


def test_only_grade_may_ask(fresh: Course) -> None:
    endpoint = fresh.sandbox_env()["AWS_ENDPOINT_URL"]
    assert send(endpoint, "POST", GRADE, BODY, JSON)[0] == 403
    assert send(endpoint, "POST", GRADE, BODY, JSON | {"X-Grade-Token": "guess"})[0] == 403
    secret = fresh.account()["grader_secret"]
    status, _, body = send(endpoint, "POST", GRADE, BODY, JSON | {"X-Grade-Token": secret})
    assert status == 200, body
    assert json.loads(body)["result"]["exercise"] == "03-stop-using-root"


def test_the_verdict_is_the_one_a_separate_process_reaches(fresh: Course) -> None:
    """Half-done 03: the same checks pass and fail, with the same messages, and the
    grading adds nothing to the account's record."""
    done = fresh.run([sys.executable, "-c", "import _steps as s; s.user(); s.group()"],
                     cwd=EXERCISES / "03-stop-using-root" / "broken")
    assert done.returncode == 0, done.stderr
    db = sqlite3.connect(fresh.home / "sandbox" / RECORD_FILE)
    events = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    status, by_the_account = fresh.grade_json("03")
    assert status == 1
    assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == events
    db.close()
    account = fresh.account()
    env = fresh.sandbox_env()
    local = fresh.run([sys.executable, "-c", LOCAL_GRADING, env["AWS_ENDPOINT_URL"],
                       env["AWS_DEFAULT_REGION"], account["grader_key_id"],
                       account["grader_secret"]])
    assert local.returncode == 0, local.stderr
    separate = json.loads(local.stdout)
    assert by_the_account["checks"] == separate["checks"]
    assert [c["passed"] for c in separate["checks"]] == [True, True, False, False, False,
                                                          False]


def test_what_cannot_be_graded_is_refused_with_the_reason(fresh: Course) -> None:
    endpoint = fresh.sandbox_env()["AWS_ENDPOINT_URL"]
    token = {"X-Grade-Token": fresh.account()["grader_secret"]}
    elsewhere = str(EXERCISES / "00-setup")
    for payload, said in [({"exercise": "01"}, "not graded from the account"),
                          ({"exercise": "nope"}, "no exercise"),
                          ({"exercise": "03-stop-using-root", "folder": elsewhere},
                           "is not the folder of 03-stop-using-root")]:
        status, _, body = send(endpoint, "POST", GRADE, json.dumps(payload).encode(),
                               JSON | token)
        assert status == 409 and said in json.loads(body)["error"], body
    assert send(endpoint, "POST", GRADE, b"not json", JSON | token)[0] == 400
