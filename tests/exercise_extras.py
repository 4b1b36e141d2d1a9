"""What the driver (tests/test_hands_on_exercises.py) also asserts after a few of its runs:
what only that run of that exercise shows, on the account it leaves (a message, the MFA
sessions the AWS CLI opened, mistakes made afterwards on the account a solution solved).

Each is keyed by the exercise's id and the script's path in its folder (or `STARTING`,
the starting account); the driver checks that every key names a run it makes."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.course.exercises import Exercise
from tests.conftest import Course, client
from tests.exercise_starts import Begun
from tests.exercise_verdicts import the_server_agrees, verdicts

STARTING = "the starting account"


@dataclass(frozen=True)
class Ran:
    """One run of the driver, once its verdict was asserted."""

    course: Course
    exercise: Exercise
    begun: Begun
    home: Path  # the learner's HOME (the AWS CLI's cache of sessions)
    answers: Path | None
    done: subprocess.CompletedProcess[str] | None  # None: the starting account
    said: dict[str, str]  # the verdict's message by check id


def assume_role_events(course: Course) -> list[dict[str, Any]]:
    """The AssumeRole events of the account's record (the grader's own view)."""
    import boto3

    from grader.sandbox import control

    running = control.find(course.home / "sandbox")
    assert running is not None
    env = control.grader_environment(running)
    trail = boto3.client("cloudtrail", endpoint_url=env["endpoint"], region_name=env["region"],
                         aws_access_key_id=env["access_key_id"],
                         aws_secret_access_key=env["secret_access_key"])
    found: list[dict[str, Any]] = []
    for page in trail.get_paginator("lookup_events").paginate(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]):
        found += [json.loads(e["CloudTrailEvent"]) for e in page["Events"]]
    return found


def _sessions(course: Course) -> list[dict[str, Any]]:
    return [e for e in assume_role_events(course) if "errorCode" not in e]


def mfa_cli_keeps_its_session(ran: Ran) -> None:
    """04's CLI solution, run as the profile 03 ends with, makes the MFA profile (a role
    that requires MFA): the AWS CLI asks for the code once and keeps the session in
    ~/.aws/cli/cache; `grade sandbox env` then picks that profile by itself."""
    from tests.mfa_profile import MFA_PROFILE, run_detached, terminal

    assert ran.done is not None
    assert "Enter MFA code for arn:aws:iam::" in ran.done.stderr
    assert ":assumed-role/admin-with-mfa/" in ran.done.stdout
    cached = list((ran.home / ".aws" / "cli" / "cache").glob("*.json"))
    assert len(cached) == 1, cached
    env = terminal(ran.course, ran.home)
    assert env["AWS_PROFILE"] == MFA_PROFILE
    again = run_detached(ran.course, ["aws", "iam", "list-users"], env)  # no code: cached
    assert again.returncode == 0 and "Enter MFA code" not in again.stderr, again.stderr
    the_server_agrees(ran.course, "04")


def cloudtrail_cli_asks_a_code_twice(ran: Ran) -> None:
    """After 04, 05's CLI solution works with the MFA profile: the AWS CLI asks for a
    code twice, once before and once after the hours the start and the digests take on
    the account's clock (the expired session forgotten by `grade`); `grade start 05`
    uses the AWS CLI's session instead of asking again."""
    assert ran.done is not None
    out = ran.done.stdout
    assert "MFA session in this account expired on its clock and was forgotten" in out
    sessions = _sessions(ran.course)
    assert len(sessions) == 2, sessions
    assert "log files valid" in out and "INVALID" not in out + ran.done.stderr


def investigation_needs_the_start(ran: Ran) -> None:
    assert "grade start 05" in ran.said["investigation"]


COLLEAGUES = ("amira.haddad", "deploy-bot", "tom.becker")


def cloudtrail_later_mistakes_fail_their_check(ran: Ran) -> None:
    """On the account 05's boto3 solution solved, each wrong answer and each mistake below
    fails exactly its check, and undone, the account passes again."""
    assert ran.answers is not None
    answers = ran.answers
    right = answers.read_text(encoding="utf-8")
    who = re.search(r'who = "(.+)"', right).group(1)  # type: ignore[union-attr]
    when = re.search(r'when = "(.+)"', right).group(1)  # type: ignore[union-attr]
    happened = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    for wrong in (f'who = "{next(n for n in COLLEAGUES if n != who)}"\nwhen = "{when}"\n',
                  f'who = "{who}"\nwhen = "{happened + dt.timedelta(hours=2):%Y-%m-%dT%H:%MZ}"\n',
                  f'who = "{who}"\nwhen = "yesterday afternoon"\n',
                  f'who = "{who}"\n'):
        answers.write_text(wrong, encoding="utf-8")
        assert _failing(ran.course, answers) == ["investigation"], wrong
    answers.write_text(right, encoding="utf-8")
    for mistake, undo, check in _later_mistakes(ran.begun.env):
        mistake()
        assert _failing(ran.course, answers) == [check], mistake.__doc__
        undo()
    assert _failing(ran.course, answers) == []


def _failing(course: Course, answers: Path) -> list[str]:
    _, passed, _ = verdicts(course, "05", answers)
    return sorted(name for name, ok in passed.items() if not ok)


def _later_mistakes(admin: dict[str, str]) -> list[tuple[Any, Any, str]]:
    """(a mistake, its undoing, the check it fails) on the boto3 solution's account."""
    s3, sns, events = (client(admin, name) for name in ("s3", "sns", "events"))
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"]
                  if b["Name"].startswith("cloudtrail-"))
    policy = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"])
    topic_policy = sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"]
    rule = events.describe_rule(Name="root-console-login")
    elsewhere = client(admin | {"AWS_DEFAULT_REGION": "eu-west-1"}, "events")

    def another_account_may_write() -> None:
        """The bucket policy also lets another account write into the logs' folder."""
        document = json.loads(policy)
        document["Statement"].append({
            "Sid": "Partner", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": f"arn:aws:s3:::{bucket}/*"})
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))

    def topic_refuses_eventbridge() -> None:
        """The topic's policy is back to the default, which does not let EventBridge publish."""
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(
            {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
                "Resource": topic, "Condition": {"StringEquals": {
                    "AWS:SourceOwner": topic.split(":")[4]}}}]}))

    def rule_disabled() -> None:
        """The rule is disabled."""
        events.disable_rule(Name="root-console-login")

    def rule_only_in_another_region() -> None:
        """The rule lives in eu-west-1: console sign-ins arrive in us-east-1 only."""
        targets = events.list_targets_by_rule(Rule="root-console-login")["Targets"]
        events.remove_targets(Rule="root-console-login", Ids=[t["Id"] for t in targets])
        events.delete_rule(Name="root-console-login")
        elsewhere.put_rule(Name="root-console-login", EventPattern=rule["EventPattern"])

    def rule_back_in_us_east_1() -> None:
        elsewhere.delete_rule(Name="root-console-login")
        events.put_rule(Name="root-console-login", EventPattern=rule["EventPattern"])
        events.put_targets(Rule="root-console-login", Targets=[{"Id": "sns", "Arn": topic}])

    return [
        (another_account_may_write,
         lambda: s3.put_bucket_policy(Bucket=bucket, Policy=policy), "trail-bucket-locked-down"),
        (topic_refuses_eventbridge,
         lambda: sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy",
                                          AttributeValue=topic_policy), "root-sign-in-alert"),
        (rule_disabled, lambda: events.enable_rule(Name="root-console-login"),
         "root-sign-in-alert"),
        (rule_only_in_another_region, rule_back_in_us_east_1, "root-sign-in-alert"),
    ]


def billing_cli_opens_three_sessions(ran: Ran) -> None:
    """After 04, 06's CLI solution works with the MFA profile: a code before the start
    (which uses the AWS CLI's session), one after its three days, one after the day
    the export waits for: three sessions over four days of the account's time."""
    sessions = _sessions(ran.course)
    assert len(sessions) == 3, [e["eventTime"] for e in sessions]


def roots_export_fails_03_too(ran: Ran) -> None:
    """An export made by root is everyday work done as root after the switch: 03's rule."""
    _, passed_03, _ = verdicts(ran.course, "03")
    assert not passed_03["root-not-used-after-admin"], "root's export fails 03's rule too"


EXTRAS: dict[tuple[str, str], Callable[[Ran], None]] = {
    ("04-mfa", "solution/solution.sh"): mfa_cli_keeps_its_session,
    ("05-cloudtrail", STARTING): investigation_needs_the_start,
    ("05-cloudtrail", "solution/solution.sh"): cloudtrail_cli_asks_a_code_twice,
    ("05-cloudtrail", "solution/solution_boto3.py"): cloudtrail_later_mistakes_fail_their_check,
    ("06-billing-reports", "solution/solution.sh"): billing_cli_opens_three_sessions,
    ("06-billing-reports", "broken/export_made_by_root.py"): roots_export_fails_03_too,
}


def also(ran: Ran, what: str) -> None:
    """Whatever else `ran` must show (`what`: the script's path in its folder, or STARTING)."""
    extra = EXTRAS.get((ran.exercise.id, what))
    if extra is not None:
        extra(ran)
