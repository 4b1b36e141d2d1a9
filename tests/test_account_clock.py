"""The simulated account's own clock: `grade sandbox advance`, and what it moves.

The account's time is this machine's clock plus an offset that only grows.
Everything the account does happens at the account's time (the record,
CloudTrail, IAM's dates, role sessions' expiry); only the check that a
request was signed in the last 15 minutes keeps the machine's clock, which
is the one clients sign with.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import signal
import subprocess
import threading
import urllib.error
import urllib.request
from queue import Queue
from typing import Any

import pytest

from grader.sandbox.clock import MAX_ADVANCE, AccountClock, BadDuration, parse_duration
from tests.conftest import BIN, Course, client
from tests.front_desk import FORM, grader_env, query, send, signed
from tests.test_restart_and_watch import _lines, _until
from tests.test_role_sessions import ADMIN, EXPIRED, account_id, error, role, trust, user

NEAR = dt.timedelta(seconds=60)  # how far "now" may be from now, across two processes
STATUS_KEYS = {"running", "endpoint", "accountId", "rootEmail", "rootPassword", "consoleUrl",
               "startedAt", "pid", "accountTime"}
BAD = ["-5m", "0s", "0m", "401d", "P1M", "abc", "90", "", "1e3s", "-PT1H"]


def wall() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def advance(course: Course, duration: str) -> dt.datetime:
    """`grade sandbox advance DURATION --json`: the account's new time."""
    done = course.grade("sandbox", "advance", duration, "--json")
    assert done.returncode == 0, done.stderr
    return dt.datetime.fromisoformat(json.loads(done.stdout)["accountTime"])


def status(course: Course) -> dict[str, Any]:
    done = course.grade("sandbox", "status", "--json")
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def event_times(course: Course) -> dict[str, tuple[str, dt.datetime]]:
    """Every event LookupEvents shows (read with the grader's key, which is not recorded):
    its name and time, by id."""
    cloudtrail = client(grader_env(course), "cloudtrail")
    found: dict[str, tuple[str, dt.datetime]] = {}
    for page in cloudtrail.get_paginator("lookup_events").paginate():
        for event in page["Events"]:
            found[event["EventId"]] = (event["EventName"], event["EventTime"])
    return found


def assert_near(moment: dt.datetime, expected: dt.datetime) -> None:
    assert abs(moment - expected) < NEAR, f"{moment} is not near {expected}"


# -- durations, and the clock itself (no account needed) -------------------------------

@pytest.mark.parametrize(("text", "seconds"), [
    ("45s", 45), ("90m", 5400), ("2h", 7200), ("1d", 86400), ("1w", 7 * 86400),
    ("PT1H30M", 5400), ("pt45s", 45), ("P1DT2H", 93600), ("1h30m", 5400), ("1h 30m", 5400),
    ("0.5h", 1800), ("PT1,5H", 5400), ("400d", 400 * 86400), ("+15m", 900),
])
def test_durations_a_learner_writes(text: str, seconds: int) -> None:
    assert parse_duration(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", [*BAD, "P", "PT", "P1DT", "5x", "1h-30m",
                                  "99999999999999d", "P1Y"])
def test_durations_the_clock_refuses(text: str) -> None:
    with pytest.raises(BadDuration) as refused:
        parse_duration(text)
    assert refused.value.reason and refused.value.fix
    assert "\n" not in refused.value.reason + refused.value.fix


def test_the_clock_only_moves_forward() -> None:
    clock = AccountClock()
    assert clock.offset == dt.timedelta(0)
    assert_near(clock.now(), wall())
    after = clock.advance(dt.timedelta(hours=2))
    assert clock.offset == dt.timedelta(hours=2)
    assert_near(after, wall() + dt.timedelta(hours=2))
    for wrong in (dt.timedelta(0), dt.timedelta(seconds=-1), MAX_ADVANCE + dt.timedelta(1)):
        with pytest.raises(BadDuration):
            clock.advance(wrong)
    clock.replay(dt.timedelta(seconds=-60))  # a damaged record cannot take time back
    clock.replay(MAX_ADVANCE * 2)  # a recorded advance is not judged again: it happened
    assert clock.offset == dt.timedelta(hours=2) + MAX_ADVANCE * 2


# -- the account's time ------------------------------------------------------------------

def test_calls_after_an_advance_happen_later_by_as_much(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="before")
    assert fresh.grade("sandbox", "status").stdout.count("ahead") == 0
    done = fresh.grade("sandbox", "advance", "2h")
    assert done.returncode == 0, done.stderr
    later = wall() + dt.timedelta(hours=2)
    assert "moved forward 2 hours" in done.stdout
    assert later.strftime("%Y-%m-%d %H:") in done.stdout  # the account's new time
    assert "2 hours ahead" in fresh.grade("sandbox", "status").stdout

    created = iam.create_user(UserName="after")["User"]["CreateDate"]
    assert_near(created, wall() + dt.timedelta(hours=2))
    used = iam.get_access_key_last_used(AccessKeyId=env["AWS_ACCESS_KEY_ID"])
    assert_near(used["AccessKeyLastUsed"]["LastUsedDate"], wall() + dt.timedelta(hours=2))
    signin = fresh.grade("console", "signin", "root",
                         "--password", fresh.account()["root_password"])
    assert signin.returncode == 0, signin.stderr
    iam.generate_credential_report()
    report = iam.get_credential_report()
    assert_near(report["GeneratedTime"], wall() + dt.timedelta(hours=2))
    root = next(csv.DictReader(io.StringIO(report["Content"].decode())))
    assert_near(dt.datetime.fromisoformat(root["password_last_used"].replace("Z", "+00:00")),
                wall() + dt.timedelta(hours=2))

    events = {(name, moment) for name, moment in event_times(fresh).values()}
    creates = sorted(moment for name, moment in events if name == "CreateUser")
    assert len(creates) == 2
    assert_near(creates[0], wall())
    assert_near(creates[1], wall() + dt.timedelta(hours=2))
    assert_near(max(moment for name, moment in events if name == "ConsoleLogin"),
                wall() + dt.timedelta(hours=2))
    account = status(fresh)
    assert account["clockOffsetSeconds"] == 7200
    assert_near(dt.datetime.fromisoformat(account["accountTime"]), wall() + dt.timedelta(hours=2))


def test_signatures_are_judged_by_this_machines_clock(fresh: Course) -> None:
    """The AWS CLI and boto3 sign with this machine's clock, which an advance does not move:
    a request signed now is fresh, one signed 20 minutes ago is stale, whatever the
    account's time; a request dated at the account's time is from the future."""
    advance(fresh, "2h")
    env = fresh.sandbox_env()
    endpoint, key, secret = (env["AWS_ENDPOINT_URL"], env["AWS_ACCESS_KEY_ID"],
                             env["AWS_SECRET_ACCESS_KEY"])
    body = query("ListUsers")
    now = signed(endpoint, key, secret, "iam", body=body, headers=FORM)
    assert send(endpoint, "POST", "/", body, now)[0] == 200
    stale = signed(endpoint, key, secret, "iam", body=body, headers=FORM,
                   at=wall() - dt.timedelta(minutes=20))
    answered, _, text = send(endpoint, "POST", "/", body, stale)
    assert answered == 403 and b"Signature expired" in text
    ahead = signed(endpoint, key, secret, "iam", body=body, headers=FORM,
                   at=wall() + dt.timedelta(hours=2))
    answered, _, text = send(endpoint, "POST", "/", body, ahead)
    assert answered == 403 and b"Signature not yet current" in text
    assert client(env, "sts").get_caller_identity()["Account"]  # boto3, as a learner has it


def test_a_role_session_expires_without_waiting(fresh: Course) -> None:
    account = account_id(fresh)
    bob = user(fresh, "bob")
    ops = role(fresh, "ops", trust(f"arn:aws:iam::{account}:user/bob"), ADMIN)
    session = bob.session(ops, "short", DurationSeconds="900")
    assert session.call("iam", "ListUsers")[0] == 200
    advance(fresh, "16m")
    answered, text = session.call("iam", "ListUsers")
    assert (answered, error(text)) == (403, ("ExpiredToken", EXPIRED))
    assert bob.session(ops, "again", DurationSeconds="900").call("iam", "ListUsers")[0] == 200


# -- the record: replayed, never shown as AWS activity -------------------------------------

def health(course: Course) -> dict[str, Any]:
    """The account's /_sandbox/health answer (for anyone on this machine)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(status(course)["endpoint"] + "/_sandbox/health", timeout=10) as answer:
        found: dict[str, Any] = json.loads(answer.read())
    return found


def test_an_advance_is_recorded_but_is_not_an_aws_call(fresh: Course) -> None:
    before, recorded = event_times(fresh), health(fresh)["events"]
    advance(fresh, "1h")
    assert health(fresh)["events"] == recorded + 1  # in the record, to be replayed...
    assert event_times(fresh) == before  # ...but LookupEvents does not show it
    cloudtrail = client(grader_env(fresh), "cloudtrail")
    for attribute, value in (("EventName", "AdvanceClock"),
                             ("EventSource", "sandbox.amazonaws.com")):
        assert cloudtrail.lookup_events(LookupAttributes=[
            {"AttributeKey": attribute, "AttributeValue": value}])["Events"] == []


def test_the_clock_survives_stop_start_and_kill(fresh: Course) -> None:
    iam = client(fresh.sandbox_env(), "iam")
    iam.create_user(UserName="early")
    advance(fresh, "1d")
    iam.create_user(UserName="late")
    advance(fresh, "2h")  # two advances, a request between them: replayed in order
    before = event_times(fresh)

    def users() -> dict[str, dt.datetime]:  # read with the grader's key: not recorded
        listed = client(grader_env(fresh), "iam").list_users()["Users"]
        return {u["UserName"]: u["CreateDate"] for u in listed}

    created = users()
    assert_near(created["early"], wall())
    assert_near(created["late"], wall() + dt.timedelta(days=1))

    def same_account_and_clock() -> None:
        assert event_times(fresh) == before  # every event keeps its time
        assert users() == created
        account = status(fresh)
        assert account["clockOffsetSeconds"] == 86400 + 7200
        assert_near(dt.datetime.fromisoformat(account["accountTime"]),
                    wall() + dt.timedelta(days=1, hours=2))

    assert fresh.grade("sandbox", "stop").returncode == 0
    assert fresh.grade("sandbox", "start").returncode == 0
    same_account_and_clock()
    runtime = json.loads((fresh.home / "sandbox" / "runtime.json").read_text())
    os.kill(runtime["pid"], signal.SIGKILL)
    assert fresh.grade("sandbox", "status").returncode == 3
    assert fresh.grade("sandbox", "start").returncode == 0
    same_account_and_clock()
    fresh.run(["aws", "iam", "create-user", "--user-name", "after-restart"])
    created = client(fresh.sandbox_env(), "iam").get_user(UserName="after-restart")
    assert_near(created["User"]["CreateDate"], wall() + dt.timedelta(days=1, hours=2))


def test_restarting_an_exercise_undoes_the_advances_made_since(fresh: Course) -> None:
    """`grade restart` rebuilds the account as it was when the exercise began: the time
    skipped since is undone with the rest of what happened since."""
    advance(fresh, "3h")
    assert status(fresh)["clockOffsetSeconds"] == 3 * 3600
    done = fresh.grade("restart", "03", "--yes")
    assert done.returncode == 0, done.stderr
    assert status(fresh)["clockOffsetSeconds"] == 0


# -- the command and its endpoint ----------------------------------------------------------

@pytest.mark.parametrize("duration", BAD)
def test_bad_durations_are_refused_in_one_line(home: Course, duration: str) -> None:
    done = home.grade("sandbox", "advance", duration)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stdout == ""
    reason = done.stderr.splitlines()[0]
    assert reason.startswith("grade: ") and "not running" not in reason  # judged first
    as_json = home.grade("sandbox", "advance", duration, "--json")
    assert as_json.returncode == 2 and json.loads(as_json.stdout)["exitStatus"] == 2


def test_a_refused_advance_changes_nothing(fresh: Course) -> None:
    before = status(fresh)
    for duration in ("-5m", "0s", "401d"):
        assert fresh.grade("sandbox", "advance", duration).returncode == 2
    no_duration = fresh.grade("sandbox", "advance")
    assert no_duration.returncode == 2 and "needs a duration" in no_duration.stderr
    endpoint = before["endpoint"] + "/_sandbox/clock"
    secret = fresh.account()["grader_secret"]
    for payload, token, expected in (({"seconds": -300}, secret, 400),
                                     ({"seconds": 0}, secret, 400),
                                     ({"seconds": 401 * 86400}, secret, 400),
                                     ({"seconds": "1h"}, secret, 400),
                                     ({"seconds": 3600}, "wrong", 403),
                                     ({"seconds": 3600}, None, 403)):
        request = urllib.request.Request(endpoint, data=json.dumps(payload).encode(),
                                         method="POST")
        if token:
            request.add_header("X-Grade-Token", token)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request,
                                                                             timeout=10)
        assert refused.value.code == expected, payload
    after = status(fresh)
    assert after["clockOffsetSeconds"] == 0
    assert fresh.grade("sandbox", "status").stdout.count("ahead") == 0


def test_status_json(fresh: Course, home: Course) -> None:
    running = status(fresh)
    assert set(running) >= STATUS_KEYS
    account = fresh.account()
    assert running["running"] is True and running["accountId"] == account["account_id"]
    assert running["rootEmail"] == account["root_email"]
    assert running["rootPassword"] == account["root_password"]
    assert running["endpoint"].startswith("http://127.0.0.1:")
    assert running["consoleUrl"] == running["endpoint"] + "/_sandbox/console/"
    assert isinstance(running["pid"], int) and running["clockOffsetSeconds"] == 0
    dt.datetime.fromisoformat(running["startedAt"])
    assert_near(dt.datetime.fromisoformat(running["accountTime"]), wall())

    stopped = home.grade("sandbox", "status", "--json")
    assert stopped.returncode == 3 and json.loads(stopped.stdout) == {"running": False}
    assert home.grade("sandbox", "status").returncode == 3
    gone = home.grade("sandbox", "advance", "1h")
    assert gone.returncode == 2 and "not running" in gone.stderr


def test_health_tells_the_accounts_time(fresh: Course) -> None:
    later = advance(fresh, "5m")
    moment = dt.datetime.fromisoformat(health(fresh)["accountTime"])
    assert dt.timedelta(0) <= moment - later < NEAR


def test_watch_regrades_when_the_clock_moves(fresh: Course) -> None:
    """Time passing is a change a learner waits for (a session's expiry, CloudTrail's next
    delivery): `grade watch` grades again when the account's clock is advanced."""
    process = subprocess.Popen([str(BIN / "grade"), "watch", "03"], env=fresh.env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: Queue[str] = Queue()
    threading.Thread(target=_lines, args=(process, lines), daemon=True).start()
    try:
        _until(lines, "watching the simulated account")
        advance(fresh, "10m")
        _until(lines, "watching the simulated account", timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
