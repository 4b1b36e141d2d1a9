"""04-mfa's verdicts beyond right and wrong solutions: the classic `Bool` mistake named as
such, on the admin group; other correct ways (another user and device name, an inline
policy of two Deny statements, another everyday call) pass; `grade show`, `grade hint`
and `grade 04 --json` follow the contract."""

from __future__ import annotations

import json
import sys

from grader.course.exercises import find
from tests.admin_user import after_03
from tests.conftest import EXERCISES, Course
from tests.exercise_verdicts import passes

FOLDER = EXERCISES / "04-mfa"


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
    passes(fresh, find("04"), None, ("03",))
