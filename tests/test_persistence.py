"""Nothing lost: a stopped or killed simulated account comes back the same."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal

from tests.conftest import Course, client


def snapshot(course: Course) -> dict:
    """What the account holds, read with the grader's key (which changes nothing)."""
    learner = course.sandbox_env()
    account = course.account()
    env = {**learner, "AWS_ACCESS_KEY_ID": account["grader_key_id"],
           "AWS_SECRET_ACCESS_KEY": account["grader_secret"]}
    iam = client(env, "iam")
    users = iam.list_users()["Users"]
    keys = {u["UserName"]: iam.list_access_keys(UserName=u["UserName"])["AccessKeyMetadata"]
            for u in users}
    events = client(env, "cloudtrail").lookup_events()["Events"]
    return {
        "env": {k: learner[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                    "AWS_ENDPOINT_URL")},
        "users": users,
        "keys": keys,
        "groups": iam.list_groups()["Groups"],
        "root_last_used": iam.get_access_key_last_used(
            AccessKeyId=learner["AWS_ACCESS_KEY_ID"])["AccessKeyLastUsed"],
        "events": [(e["EventId"], e["EventName"]) for e in events],
    }


def make_history(course: Course) -> str:
    env = course.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="erin")
    iam.create_group(GroupName="ops")
    iam.add_user_to_group(UserName="erin", GroupName="ops")
    key = iam.create_access_key(UserName="erin")["AccessKey"]
    erin = {**env, "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    client(erin, "sts").get_caller_identity()
    return str(key["SecretAccessKey"])


def test_stop_and_start_give_back_the_same_account(fresh: Course) -> None:
    secret = make_history(fresh)
    before = snapshot(fresh)
    assert fresh.grade("sandbox", "stop").returncode == 0
    assert fresh.grade("sandbox", "start").returncode == 0
    after = snapshot(fresh)
    assert after == before
    erin_key = after["keys"]["erin"][0]["AccessKeyId"]
    erin = {**fresh.sandbox_env(), "AWS_ACCESS_KEY_ID": erin_key, "AWS_SECRET_ACCESS_KEY": secret}
    assert client(erin, "sts").get_caller_identity()["Arn"].endswith(":user/erin")


def test_killed_account_comes_back_the_same(fresh: Course) -> None:
    make_history(fresh)
    before = snapshot(fresh)
    runtime = json.loads((fresh.home / "sandbox" / "runtime.json").read_text())
    os.kill(runtime["pid"], signal.SIGKILL)
    status = fresh.grade("sandbox", "status")
    assert status.returncode == 3 and "not running" in status.stdout
    assert fresh.grade("sandbox", "start").returncode == 0
    after = snapshot(fresh)
    assert after == before


def test_start_is_idempotent_and_status_says_where(course: Course) -> None:
    again = course.grade("sandbox", "start")
    assert again.returncode == 0 and "already running" in again.stdout
    status = course.grade("sandbox", "status")
    assert status.returncode == 0
    assert "running at http://127.0.0.1:" in status.stdout and "since" in status.stdout
    account = course.account()  # what 04 and 06 send the learner to `status` for
    assert "/_sandbox/console/" in status.stdout and account["root_password"] in status.stdout


def test_files_are_private(course: Course) -> None:
    folder = course.home / "sandbox"
    assert (folder.stat().st_mode & 0o777) == 0o700
    for name in ("account.json", "record.sqlite"):
        assert ((folder / name).stat().st_mode & 0o777) == 0o600, name


def test_env_prints_shell_and_json(fresh: Course) -> None:
    course = fresh
    shell = course.grade("sandbox", "env")
    names = [line.split("=")[0] for line in shell.stdout.splitlines()]
    assert names == ["unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN",
                     "export AWS_ENDPOINT_URL", "export AWS_DEFAULT_REGION",
                     "export AWS_ACCESS_KEY_ID", "export AWS_SECRET_ACCESS_KEY",
                     "export AWS_CONFIG_FILE", "export AWS_SHARED_CREDENTIALS_FILE"]
    as_json = json.loads(course.grade("sandbox", "env", "--json").stdout)
    assert set(as_json) == {"AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID",
                            "AWS_SECRET_ACCESS_KEY", "AWS_CONFIG_FILE",
                            "AWS_SHARED_CREDENTIALS_FILE"}
    assert as_json["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert as_json["AWS_CONFIG_FILE"] == str(course.home / "aws" / "config")
    account = {k: v for k, v in as_json.items() if not k.endswith("_FILE")}
    assert {k: v for k, v in course.sandbox_env().items() if k in account} == account


def test_concurrent_requests_are_all_recorded_and_replayed(fresh: Course) -> None:
    from concurrent.futures import ThreadPoolExecutor

    env = fresh.sandbox_env()

    def make_groups(worker: int) -> None:
        iam = client(env, "iam")
        for number in range(15):
            iam.create_group(GroupName=f"team-{worker}-{number}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(make_groups, range(4)))
    before = snapshot(fresh)
    assert len(before["groups"]) == 60
    assert fresh.grade("sandbox", "stop").returncode == 0
    assert fresh.grade("sandbox", "start").returncode == 0
    assert snapshot(fresh) == before


def test_reset_in_the_running_process_is_the_same_fresh_account(fresh: Course) -> None:
    """`grade sandbox reset` starts over inside the running process (fast); the account
    it opens is the one a new process opens: the same root key, history and ids."""
    from tests.front_desk import fingerprint

    env = fresh.sandbox_env()
    client(env, "iam").create_user(UserName="temporary")
    assert fresh.grade("sandbox", "advance", "2h").returncode == 0
    pid = fresh.grade("sandbox", "status").stdout.splitlines()[0]
    assert fresh.grade("sandbox", "reset", "--yes").returncode == 0
    assert fresh.grade("sandbox", "status").stdout.splitlines()[0] == pid  # the same process
    status = json.loads(fresh.grade("sandbox", "status", "--json").stdout)
    moved = dt.datetime.fromisoformat(status["accountTime"]) - dt.datetime.now(dt.UTC)
    assert abs(moved.total_seconds()) < 120  # a new account's clock: not advanced
    in_process = fresh.sandbox_env()
    assert in_process["AWS_ACCESS_KEY_ID"] == env["AWS_ACCESS_KEY_ID"]
    state = fingerprint(fresh)
    assert state["users"] == {} and state["root_keys"] == 1
    events = client(in_process, "cloudtrail").lookup_events()["Events"]
    assert fresh.grade("sandbox", "stop").returncode == 0
    assert fresh.grade("sandbox", "reset", "--yes").returncode == 0  # not running: a new process
    assert fresh.sandbox_env()["AWS_ACCESS_KEY_ID"] == env["AWS_ACCESS_KEY_ID"]
    assert fingerprint(fresh) == state
    again = client(fresh.sandbox_env(), "cloudtrail").lookup_events()["Events"]
    assert [e["EventName"] for e in again] == [e["EventName"] for e in events]
