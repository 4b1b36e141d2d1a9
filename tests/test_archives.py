"""`grade sandbox reset` asks and keeps the old account; `grade sandbox archives` lists what
reset and restart put away; `grade sandbox restore NAME` brings one back; `grade` says
which passes were earned on an account that is gone."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys

from tests.conftest import BIN, EXERCISES, Course, client

SOLVED_03 = EXERCISES / "03-stop-using-root" / "solution" / "solution_boto3.py"


def users(course: Course) -> list[str]:
    """The account's IAM users, read with the grader's key (root may have none left)."""
    from grader.sandbox import control

    running = control.require(course.home / "sandbox")
    grader = control.grader_environment(running)
    reader = client({"AWS_ENDPOINT_URL": grader["endpoint"], "AWS_DEFAULT_REGION": "us-east-1",
                     "AWS_ACCESS_KEY_ID": grader["access_key_id"],
                     "AWS_SECRET_ACCESS_KEY": grader["secret_access_key"]}, "iam")
    return sorted(u["UserName"] for u in reader.list_users()["Users"])


def archives(course: Course) -> list[dict]:
    done = course.grade("sandbox", "archives", "--json")
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout)["archives"])


def in_a_terminal(course: Course, args: list[str], answer: str) -> tuple[int, str]:
    """Run `grade ARGS` with a terminal as its standard input, answering `answer`."""
    main, other = pty.openpty()
    process = subprocess.Popen([str(BIN / "grade"), *args], env=course.env, stdin=other,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(other)
    os.write(main, answer.encode() + b"\n")
    out, err = process.communicate(timeout=120)
    os.close(main)
    return process.returncode, out + err


def test_reset_asks_and_changes_nothing_without_an_answer(fresh: Course) -> None:
    client(fresh.sandbox_env(), "iam").create_user(UserName="alice")
    refused = fresh.grade("sandbox", "reset")  # no terminal, no --yes
    assert refused.returncode == 2
    assert "since then is undone (1 request)" in " ".join(refused.stdout.split())
    assert "nothing was changed" in refused.stderr and "--yes" in refused.stderr
    assert "Traceback" not in refused.stderr
    status, shown = in_a_terminal(fresh, ["sandbox", "reset"], "n")
    assert status == 1 and "Start the account over? [y/N]" in shown, shown
    assert users(fresh) == ["alice"]
    status, shown = in_a_terminal(fresh, ["sandbox", "reset"], "y")
    assert status == 0 and "back to its starting state" in shown, shown
    assert users(fresh) == []


def test_an_untouched_account_is_not_reset_again(fresh: Course) -> None:
    before = archives(fresh)
    done = fresh.grade("sandbox", "reset")  # nothing to lose: nothing to ask
    assert done.returncode == 0 and "already in its starting state" in done.stdout
    assert archives(fresh) == before


def test_a_reset_account_is_listed_and_restored(fresh: Course) -> None:
    assert fresh.run([sys.executable, str(SOLVED_03)]).returncode == 0
    assert fresh.grade("03").returncode == 0
    solved = users(fresh)
    before = {a["name"] for a in archives(fresh)}
    reset = fresh.grade("sandbox", "reset", "--yes")
    assert reset.returncode == 0, reset.stderr
    assert "exercises passed in it: 03-stop-using-root)" in " ".join(reset.stdout.split())
    assert users(fresh) == []

    [made] = [a for a in archives(fresh) if a["name"] not in before]
    assert made["reason"] == "reset" and made["passed"] == ["03-stop-using-root"]
    assert made["accountId"] == fresh.account()["account_id"] and made["requests"] > 0
    assert f"`grade sandbox restore {made['name']}`" in " ".join(reset.stdout.split())
    listing = fresh.grade("sandbox", "archives").stdout.splitlines()
    [line] = [line for line in listing if line.startswith(made["name"] + " ")]
    assert "by reset" in line and "03-stop-using-root" in line and "UTC" in line

    progress = fresh.grade().stdout
    assert "redo     03-stop-using-root" in progress
    redo = re.search(r"reset or restarted \(([^)]*)\)", " ".join(progress.split()))
    assert redo and "03" in redo.group(1).split(", ")  # (others this machine passed too)

    refused = fresh.grade("sandbox", "restore", made["name"])  # no terminal, no --yes
    assert refused.returncode == 2 and users(fresh) == []
    client(fresh.sandbox_env(), "iam").create_user(UserName="later")
    restored = fresh.grade("sandbox", "restore", made["name"], "--yes")
    assert restored.returncode == 0, restored.stderr
    assert users(fresh) == solved
    assert fresh.grade("03").returncode == 0  # the work is back, and passes again
    assert "done     03-stop-using-root" in fresh.grade().stdout

    after = archives(fresh)
    assert made["name"] not in {a["name"] for a in after}  # it is the account again
    [replaced] = [a for a in after if a["reason"] == f"restore of {made['name']}"]
    assert replaced["requests"] == 1 and replaced["passed"] == []


def test_restore_refuses_what_is_not_an_archive(fresh: Course) -> None:
    for name in ("nope", "../sandbox", "/etc", ""):
        done = fresh.grade("sandbox", "restore", name, "--yes")
        assert done.returncode == 2, (name, done.stdout)
        assert "Traceback" not in done.stderr
    missing = fresh.grade("sandbox", "restore")
    assert missing.returncode == 2 and "needs the name of an archived account" in missing.stderr


def test_a_restart_is_archived_with_its_reason(fresh: Course) -> None:
    client(fresh.sandbox_env(), "iam").create_user(UserName="mistake")
    assert fresh.grade("restart", "03", "--yes").returncode == 0
    last = archives(fresh)[-1]
    assert last["reason"] == "restart 03" and last["requests"] == 1
    assert fresh.grade("sandbox", "restore", last["name"], "--yes").returncode == 0
    assert users(fresh) == ["mistake"]


def test_the_aws_cli_profiles_go_and_come_back_with_the_account(fresh: Course) -> None:
    """Profiles name the account's users and keys: a reset archives them with it, and a
    restore brings them back (`grade sandbox env` would otherwise pick a stale one)."""
    client(fresh.sandbox_env(), "iam").create_user(UserName="alice")
    profiles = fresh.home / "aws"
    profiles.mkdir(mode=0o700, exist_ok=True)
    (profiles / "credentials").write_text("[sandbox-admin]\naws_access_key_id = AKIAOLD\n")
    assert fresh.grade("sandbox", "reset", "--yes").returncode == 0
    assert not (profiles / "credentials").exists()
    made = archives(fresh)[-1]
    restored = fresh.grade("sandbox", "restore", made["name"], "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "AKIAOLD" in (profiles / "credentials").read_text()
    assert users(fresh) == ["alice"]


def test_a_restart_says_which_passes_it_undoes(fresh: Course) -> None:
    assert fresh.run([sys.executable, str(SOLVED_03)]).returncode == 0
    assert fresh.grade("03").returncode == 0
    done = fresh.grade("restart", "03", "--yes")
    assert done.returncode == 0, done.stderr
    said = " ".join(done.stdout.split())
    assert "exercises passed since (03-stop-using-root: you will pass them again" in said
    assert "redo     03-stop-using-root" in fresh.grade().stdout
