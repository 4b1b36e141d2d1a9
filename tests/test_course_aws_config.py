"""The course's own AWS CLI set-up, through the real `grade` and the real AWS CLI (v1):
`grade sandbox env` points the CLI at config files under GRADE_HOME whose profiles print
ISO 8601 times, leaves the learner's real ~/.aws alone, switches the terminal to the
admin's profile once root has no key (never suggesting root again), and the AWS CLI's
cached MFA sessions of the account are forgotten when its clock expires them."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

from grader.command import aws_cli_sessions
from tests.conftest import Course
from tests.mfa_profile import (
    PROFILE,
    after_03_with_profile,
    forget_course_config,
    run_detached,
    terminal,
)


def shell_lines(course: Course, env: dict[str, str]) -> tuple[list[str], str]:
    done = course.grade("sandbox", "env", env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines(), done.stderr


def test_the_aws_cli_prints_iso_times_from_the_courses_own_config(fresh: Course,
                                                                   tmp_path: Path) -> None:
    forget_course_config(fresh)
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    real = home / ".aws" / "config"
    real.write_text("[default]\nregion = eu-west-3\n[profile work]\nregion = eu-north-1\n")
    before = real.read_text()
    env = {**fresh.env, "HOME": str(home)}
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        env.pop(name)
    lines, _ = shell_lines(fresh, env)
    config = fresh.home / "aws" / "config"
    assert f"export AWS_CONFIG_FILE={config}" in lines
    assert f"export AWS_SHARED_CREDENTIALS_FILE={fresh.home / 'aws' / 'credentials'}" in lines
    assert lines[0].startswith("unset AWS_PROFILE ")  # root's key: no profile may win over it
    assert (config.stat().st_mode & 0o777) == 0o600
    shell = run_detached(fresh, ["bash", "-c", 'eval "$(grade sandbox env)" && '
                                 "aws cloudtrail lookup-events --max-results 1 "
                                 "--query 'Events[0].EventTime' --output text"], env)
    assert shell.returncode == 0, shell.stderr
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00\n", shell.stdout), \
        shell.stdout
    assert "UPGRADE" not in shell.stderr and "version 2" not in shell.stderr
    assert real.read_text() == before and not (home / ".aws" / "credentials").exists()


def test_after_03_the_terminal_is_the_admins_profile_never_root(fresh: Course,
                                                                 tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = after_03_with_profile(fresh, home)  # asserts AWS_PROFILE=sandbox-admin
    lines, said = shell_lines(fresh, {**fresh.env, "HOME": str(home)})
    assert f"export AWS_PROFILE={PROFILE}" in lines
    assert lines[0] == ("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN "
                        "AWS_SECURITY_TOKEN AWS_DEFAULT_PROFILE")
    assert "root" not in said.lower()
    config = (fresh.home / "aws" / "config").read_text()
    assert f"[profile {PROFILE}]\ncli_timestamp_format = iso8601" in config
    who = run_detached(fresh, ["aws", "sts", "get-caller-identity", "--query", "Arn",
                               "--output", "text"], env)
    assert who.returncode == 0 and who.stdout.strip().endswith(":user/dana"), who.stderr
    # A new terminal, nothing set: the same profile, chosen by grade.
    assert terminal(fresh, home)["AWS_PROFILE"] == PROFILE


def test_without_a_profile_after_03_nothing_suggests_root(fresh: Course,
                                                          tmp_path: Path) -> None:
    from tests.admin_user import after_03

    forget_course_config(fresh)
    after_03(fresh)
    env = {**fresh.env, "HOME": str(tmp_path)}
    lines, said = shell_lines(fresh, env)
    assert lines[0] == ("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN "
                        "AWS_SECURITY_TOKEN AWS_DEFAULT_PROFILE AWS_PROFILE")
    assert "aws configure --profile sandbox-admin" in said
    started = fresh.grade("start", "05", env=terminal(fresh, tmp_path))
    assert started.returncode == 2 and "No AWS credentials" in started.stderr
    assert "root" not in started.stderr.lower()
    assert "grade sandbox env" in started.stderr


def session_entry(account: str, expires: dt.datetime, key: str = "ASIAEXAMPLE") -> str:
    return json.dumps({
        "Credentials": {"AccessKeyId": key, "SecretAccessKey": "s", "SessionToken": "t",
                        "Expiration": expires.isoformat()},
        "AssumedRoleUser": {"Arn": f"arn:aws:sts::{account}:assumed-role/admin/botocore-1",
                            "AssumedRoleId": "AROAEXAMPLE:botocore-1"}})


def test_only_this_accounts_sessions_expired_on_its_clock_are_forgotten(
        tmp_path: Path) -> None:
    now = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
    files = {
        "expired": session_entry("111122223333", now - dt.timedelta(minutes=1)),
        "in-the-clis-window": session_entry("111122223333", now + dt.timedelta(minutes=14)),
        "still-good": session_entry("111122223333", now + dt.timedelta(minutes=40)),
        "another-account": session_entry("444455556666", now - dt.timedelta(days=1)),
        "a-long-term-key": session_entry("111122223333", now - dt.timedelta(days=1),
                                         key="AKIAEXAMPLE"),
        "not-json": "{",
    }
    for name, text in files.items():
        (tmp_path / f"{name}.json").write_text(text)
    gone = aws_cli_sessions.forget_expired("111122223333", now, tmp_path)
    assert sorted(p.stem for p in gone) == ["expired", "in-the-clis-window"]
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == [
        "a-long-term-key", "another-account", "not-json", "still-good"]
    assert aws_cli_sessions.forget_expired("111122223333", now, tmp_path / "none") == []


def test_advance_says_when_it_forgets_a_session(fresh: Course, tmp_path: Path) -> None:
    """`grade sandbox advance` past a cached session's end removes it, and says so."""
    account = fresh.account()["account_id"]
    running = json.loads(fresh.grade("sandbox", "status", "--json").stdout)
    cache = tmp_path / ".aws" / "cli" / "cache"
    cache.mkdir(parents=True)
    ends = dt.datetime.fromisoformat(running["accountTime"]) + dt.timedelta(minutes=50)
    (cache / "session.json").write_text(session_entry(account, ends))
    env = {**fresh.env, "HOME": str(tmp_path)}
    kept = fresh.grade("sandbox", "advance", "20m", env=env)
    assert kept.returncode == 0 and "forgotten" not in kept.stdout
    assert (cache / "session.json").exists()
    moved = fresh.grade("sandbox", "advance", "20m", env=env)  # 10 minutes left: the window
    assert moved.returncode == 0, moved.stderr
    assert "expired on its clock and was forgotten: your next `aws` command asks for a new " \
           "MFA code" in moved.stdout.replace("\n", " ")
    assert not (cache / "session.json").exists()


def test_no_course_file_is_written_outside_grade_home(fresh: Course, tmp_path: Path) -> None:
    env = {**fresh.env, "HOME": str(tmp_path)}
    subprocess.run([str(Path(env["PATH"].split(":")[0]) / "grade"), "sandbox", "env"],
                   env=env, capture_output=True, check=True, timeout=60)
    assert list(tmp_path.iterdir()) == []


def test_a_profile_naming_what_the_account_no_longer_has_is_passed_over(
        fresh: Course, tmp_path: Path) -> None:
    """After `grade restart 04` the MFA role and device are undone: the MFA profile names
    them still, and the terminal falls back to the admin's key profile."""
    from tests.mfa_profile import MFA_PROFILE, after_04_with_profile

    home = tmp_path / "home"
    assert after_04_with_profile(fresh, home).get("AWS_PROFILE") == MFA_PROFILE
    config = fresh.home / "aws" / "config"
    text = config.read_text()
    assert "role_arn = " in text
    config.write_text(text.replace(":role/", ":role/undone-"))
    assert terminal(fresh, home)["AWS_PROFILE"] == PROFILE
    config.write_text(text)
    assert terminal(fresh, home)["AWS_PROFILE"] == MFA_PROFILE
