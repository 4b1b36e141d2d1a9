"""04-mfa through the real `grade` command on a real simulated account, started where
exercise 03 leaves it (an IAM admin user with its own access key, root's key gone):
that account fails every check, every wrong solution fails the checks it names, every
reference solution passes (the AWS CLI, boto3, a notebook, the web console), and 03
still passes afterwards."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.conftest import EXERCISES, Course, client
from tests.exercise_verdicts import the_server_agrees
from tests.test_exercise_03 import declared_failures

FOLDER = EXERCISES / "04-mfa"
CHECKS = ["root-has-mfa", "admin-has-mfa", "admin-group-requires-mfa", "mfa-session-used",
          "admin-mfa-enabled-with-its-codes"]
BROKEN = sorted(p for p in (FOLDER / "broken").glob("*.py") if not p.name.startswith("_"))
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def verdicts(course: Course, exercise: str = "04") -> tuple[int, dict[str, bool]]:
    status, result = course.grade_json(exercise)
    if exercise == "04":
        assert [c["id"] for c in result["checks"]] == CHECKS
    return status, {c["id"]: c["passed"] for c in result["checks"]}


def after_03(course: Course, name: str = "dana") -> dict[str, str]:
    """Exercise 03 done as its CLI solution does it; the environment of the admin user."""
    env = course.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password="Correct-Horse-Battery-Staple-42")
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins", PolicyArn=ADMIN)
    iam.add_user_to_group(GroupName="Admins", UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    admin = env | {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                   "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    client(admin, "sts").get_caller_identity()
    iam.delete_access_key(AccessKeyId=env["AWS_ACCESS_KEY_ID"])
    return admin


def passes_04_and_03(course: Course) -> None:
    status, passed = verdicts(course)
    assert status == 0 and all(passed.values()), passed
    status, passed = verdicts(course, "03")
    assert status == 0 and all(passed.values()), passed


def test_starting_account_fails_every_check(fresh: Course) -> None:
    after_03(fresh)
    status, passed = verdicts(fresh)
    assert status == 1
    assert not any(passed.values()), passed


def test_cli_solution_passes_with_an_mfa_profile(fresh: Course, tmp_path: Path) -> None:
    """The CLI solution, run as the profile 03 ends with, makes the MFA profile (a role
    that requires MFA): the AWS CLI asks for the code once and keeps the session in
    ~/.aws/cli/cache; `grade sandbox env` then picks that profile by itself."""
    from tests.mfa_profile import MFA_PROFILE, after_03_with_profile, run_detached, terminal

    home = tmp_path / "home"
    admin = after_03_with_profile(fresh, home)
    done = run_detached(fresh, ["bash", str(FOLDER / "solution" / "solution.sh")], admin)
    assert done.returncode == 0, done.stderr + done.stdout
    assert "Enter MFA code for arn:aws:iam::" in done.stderr
    assert ":assumed-role/admin-with-mfa/" in done.stdout
    cached = list((home / ".aws" / "cli" / "cache").glob("*.json"))
    assert len(cached) == 1, cached
    passes_04_and_03(fresh)
    env = terminal(fresh, home)
    assert env["AWS_PROFILE"] == MFA_PROFILE
    again = run_detached(fresh, ["aws", "iam", "list-users"], env)  # no code asked: cached
    assert again.returncode == 0 and "Enter MFA code" not in again.stderr, again.stderr
    the_server_agrees(fresh, "04")


def test_boto3_solution_passes(fresh: Course) -> None:
    admin = after_03(fresh, "maria.garcia")
    done = fresh.run([sys.executable, str(FOLDER / "solution" / "solution_boto3.py")],
                     env=admin)
    assert done.returncode == 0, done.stderr
    passes_04_and_03(fresh)
    the_server_agrees(fresh, "04")


NOTEBOOK_RUNNER = (
    "import sys, nbformat, nbclient\n"
    "notebook = nbformat.read(sys.argv[1], as_version=4)\n"
    "nbclient.NotebookClient(notebook, timeout=120, kernel_name='python3',\n"
    "                        resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
)


def test_notebook_solution_passes(fresh: Course) -> None:
    admin = after_03(fresh)
    notebook = FOLDER / "solution" / "solution.ipynb"
    done = fresh.run([sys.executable, "-c", NOTEBOOK_RUNNER, str(notebook),
                      str(notebook.parent)], env=admin)
    assert done.returncode == 0, done.stderr[-2000:]
    passes_04_and_03(fresh)


REST_AS_ADMIN = """
import _steps as s
serial, phone = s.create_device()
s.enable_device(serial, phone)
s.require_mfa()
s.everyday_work(s.mfa_session(serial, phone.code()))
"""


def test_web_console_solution_passes(fresh: Course, browser: Any) -> None:
    """Root's device assigned in the web console, in Chromium: the secret shown on the
    page gives the codes; the admin user's part is done with boto3."""
    admin = after_03(fresh)
    page = browser.new_page()
    page.goto(fresh.sandbox_env()["AWS_ENDPOINT_URL"] + "/_sandbox/console/")
    page.fill("#user", "root")
    page.fill("#password", fresh.account()["root_password"])
    page.click("#signin-form button[type=submit]")
    page.get_by_role("button", name="Assign MFA device").click()
    page.locator("#new-device").wait_for()
    secret = page.locator("#secret").inner_text()
    assert str(page.locator("#qr").get_attribute("src")).startswith("data:image/png;base64,")
    totp = pyotp.TOTP(secret)
    step = int(time.time()) // 30
    page.fill("#code1", totp.generate_otp(step - 1))
    page.fill("#code2", totp.generate_otp(step))
    page.click("#enable-form button[type=submit]")
    page.get_by_text("MFA device assigned").wait_for()
    done = fresh.run([sys.executable, "-c", REST_AS_ADMIN], cwd=FOLDER / "broken", env=admin)
    assert done.returncode == 0, done.stderr
    passes_04_and_03(fresh)


@pytest.mark.parametrize("script", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_solution_fails_its_checks(fresh: Course, script: Path) -> None:
    expected = declared_failures(script)
    assert set(expected) <= set(CHECKS)
    admin = after_03(fresh)
    done = fresh.run([sys.executable, str(script)], cwd=script.parent, env=admin)
    assert done.returncode == 0, done.stderr
    status, passed = verdicts(fresh)
    assert status == 1
    assert [c for c in CHECKS if not passed[c]] == [c for c in CHECKS if c in expected], passed


def test_failures_name_the_resource_and_the_mistake(fresh: Course) -> None:
    """The Bool mistake is named as such, on the admin group."""
    admin = after_03(fresh)
    done = fresh.run([sys.executable, str(FOLDER / "broken" / "bool_not_bool_if_exists.py")],
                     cwd=FOLDER / "broken", env=admin)
    assert done.returncode == 0, done.stderr
    _, result = fresh.grade_json("04")
    message = {c["id"]: c.get("message", "") for c in result["checks"]}
    assert "Admins" in message["admin-group-requires-mfa"]
    assert "BoolIfExists" in message["admin-group-requires-mfa"]


def test_grade_show_and_hints_follow_the_contract(fresh: Course) -> None:
    shown = fresh.grade("show", "04")
    assert shown.returncode == 0 and "Use MFA" in shown.stdout
    hint = fresh.grade("hint", "04")
    assert hint.returncode == 0 and "root-mfa" in hint.stdout
    status, result = fresh.grade_json("04")
    assert status == 1 and result["exercise"] == "04-mfa"
    assert json.dumps(result)  # one JSON document


OTHER_WAY = """
import json
import _steps as s

s.root_mfa()
serial, phone = s.create_device("my-phone")
s.enable_device(serial, phone)
# An inline policy, in other words: deny long-term keys (no MFA key at all) and sessions
# without MFA in two statements, everything but MFA self-service.
mfa_setup = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices",
             "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "iam:GetUser"]
document = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "NotAction": mfa_setup, "Resource": "*",
     "Condition": {"Null": {"aws:MultiFactorAuthPresent": "true"}}},
    {"Effect": "Deny", "NotAction": mfa_setup, "Resource": "*",
     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
]}
s.me().client("iam").put_group_policy(GroupName=s.admin_group(), PolicyName="mfa-or-nothing",
                                      PolicyDocument=json.dumps(document))
session = s.mfa_session(serial, phone.code())
session.client("ec2", region_name="us-east-1").describe_instances()
"""


def test_other_correct_ways_pass(fresh: Course) -> None:
    """Another user name, a device named otherwise, an inline policy of two Deny
    statements with the same effect as AWS's, and another everyday call (EC2)."""
    admin = after_03(fresh, "ops.lead")
    done = fresh.run([sys.executable, "-c", OTHER_WAY], cwd=FOLDER / "broken", env=admin)
    assert done.returncode == 0, done.stderr
    passes_04_and_03(fresh)
