"""05-cloudtrail through the real `grade` command on a real simulated account, started where
exercise 03 leaves it (an IAM admin user with its own access key): that account fails every
check, every wrong solution fails exactly the checks it names, every reference solution
passes (the AWS CLI, boto3, a notebook) and so does another correct way; 03 still passes."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXERCISES, Course, client
from tests.exercise_verdicts import (
    Verdicts,
    passes_with_03,
    run_solution_notebook,
    the_server_agrees,
)
from tests.exercise_verdicts import verdicts as shared_verdicts
from tests.test_exercise_03 import declared_failures
from tests.test_exercise_04 import after_03

FOLDER = EXERCISES / "05-cloudtrail"
CHECKS = ["multi-region-trail-logging", "log-file-validation", "trail-bucket-locked-down",
          "logs-delivered-and-intact", "logs-validated", "root-sign-in-alert", "investigation"]
BROKEN = sorted(p for p in (FOLDER / "broken").glob("*.py") if not p.name.startswith("_"))


def verdicts(course: Course, answers: Path | None, exercise: str = "05") -> Verdicts:
    return shared_verdicts(course, exercise, answers, CHECKS if exercise == "05" else None)


def passes(course: Course, answers: Path) -> None:
    passes_with_03(course, "05", CHECKS, answers)


def test_starting_account_fails_every_check(fresh: Course, tmp_path: Path) -> None:
    after_03(fresh)
    status, passed, said = verdicts(fresh, tmp_path / "answers.toml")
    assert status == 1 and not any(passed.values()), said
    assert "grade start 05" in said["investigation"]


def test_the_start_happens_once_and_needs_credentials(fresh: Course) -> None:
    admin = after_03(fresh)
    bare = {k: v for k, v in admin.items() if not k.startswith("AWS_ACCESS_KEY_ID")
            and not k.startswith("AWS_SECRET")}
    refused = fresh.grade("start", "05", env=bare | {"AWS_CONFIG_FILE": "/dev/null",
                                                       "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
    assert refused.returncode == 2 and "No AWS credentials" in refused.stderr
    done = fresh.grade("start", "05", env=admin)
    assert done.returncode == 0, done.stderr
    assert "team-reports-" in done.stdout
    again = fresh.grade("start", "05", env=admin)
    assert again.returncode == 2 and "started already" in again.stderr
    users = {u["UserName"] for u in client(admin, "iam").list_users()["Users"]}
    assert {"amira.haddad", "deploy-bot", "tom.becker"} <= users
    nothing = fresh.grade("start", "03", env=admin)
    assert nothing.returncode == 2 and "nothing to start" in nothing.stderr


def test_cli_solution_passes_with_the_mfa_profile(fresh: Course, tmp_path: Path) -> None:
    """After 04, the CLI solution works with the MFA profile: the AWS CLI asks for a
    code twice, once before and once after the hours the start and the digests take on
    the account's clock (the expired session forgotten by `grade`); `grade start 05`
    uses the AWS CLI's session instead of asking again."""
    from tests.mfa_profile import after_04_with_profile, run_detached

    mfa = after_04_with_profile(fresh, tmp_path / "home")
    answers = tmp_path / "answers.toml"
    done = run_detached(fresh, ["bash", str(FOLDER / "solution" / "solution.sh")],
                        env=mfa | {"ANSWERS": str(answers)})
    assert done.returncode == 0, done.stderr + done.stdout
    assert "MFA session in this account expired on its clock and was forgotten" in done.stdout
    sessions = [e for e in events_of(fresh) if e["eventName"] == "AssumeRole"
                and "errorCode" not in e]
    assert len(sessions) == 2, sessions
    assert "log files valid" in done.stdout and "INVALID" not in done.stdout + done.stderr
    passes(fresh, answers)


def test_boto3_solution_passes_and_each_later_mistake_fails(fresh: Course,
                                                            tmp_path: Path) -> None:
    """The boto3 solution passes; then, on that solved account, each mistake below fails
    exactly its check, and undone, the account passes again."""
    admin = after_03(fresh, "maria.garcia")
    answers = tmp_path / "answers.toml"
    done = fresh.run([sys.executable, str(FOLDER / "solution" / "solution_boto3.py")],
                     env=admin | {"ANSWERS": str(answers)})
    assert done.returncode == 0, done.stderr
    passes(fresh, answers)
    the_server_agrees(fresh, "05", answers)
    right = answers.read_text(encoding="utf-8")
    who = re.search(r'who = "(.+)"', right).group(1)  # type: ignore[union-attr]
    when = re.search(r'when = "(.+)"', right).group(1)  # type: ignore[union-attr]
    happened = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    for wrong in (f'who = "{next(n for n in COLLEAGUES if n != who)}"\nwhen = "{when}"\n',
                  f'who = "{who}"\nwhen = "{happened + dt.timedelta(hours=2):%Y-%m-%dT%H:%MZ}"\n',
                  f'who = "{who}"\nwhen = "yesterday afternoon"\n',
                  f'who = "{who}"\n'):
        answers.write_text(wrong, encoding="utf-8")
        assert failing(fresh, answers) == ["investigation"], wrong
    answers.write_text(right, encoding="utf-8")
    for mistake, undo, check in later_mistakes(admin):
        mistake()
        assert failing(fresh, answers) == [check], mistake.__doc__
        undo()
    assert failing(fresh, answers) == []


COLLEAGUES = ("amira.haddad", "deploy-bot", "tom.becker")


def events_of(course: Course) -> list[dict[str, Any]]:
    """Every CloudTrail event of the account's record (the grader's own view)."""
    from grader.sandbox import control

    running = control.find(course.home / "sandbox")
    assert running is not None
    import boto3

    env = control.grader_environment(running)
    trail = boto3.client("cloudtrail", endpoint_url=env["endpoint"], region_name=env["region"],
                         aws_access_key_id=env["access_key_id"],
                         aws_secret_access_key=env["secret_access_key"])
    found: list[dict[str, Any]] = []
    for page in trail.get_paginator("lookup_events").paginate(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]):
        found += [json.loads(e["CloudTrailEvent"]) for e in page["Events"]]
    return found


def failing(course: Course, answers: Path) -> list[str]:
    _, passed, _ = verdicts(course, answers)
    return sorted(name for name, ok in passed.items() if not ok)


def later_mistakes(admin: dict[str, str]) -> list[tuple[Any, Any, str]]:
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


def test_notebook_solution_passes(fresh: Course, tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    run_solution_notebook(fresh, FOLDER, after_03(fresh), answers)
    passes(fresh, answers)


ANOTHER_WAY = """
import json, os, subprocess
import _steps as s

# Other names, a key prefix, advanced event selectors, the account's own condition,
# a rule that also names the source and the event, an answer in another time format.
s.TRAIL = "everything-everywhere"
prefix = "audit"
source = {"aws:SourceArn": s.trail_arn(), "aws:SourceAccount": s.account()}
s3 = s.me().client("s3")
s3.create_bucket(Bucket=s.bucket())
s3.put_public_access_block(Bucket=s.bucket(), PublicAccessBlockConfiguration=s.ALL_BLOCKED)
s3.put_bucket_policy(Bucket=s.bucket(), Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
     "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{s.bucket()}",
     "Condition": {"StringEquals": source}},
    {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
     "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{s.bucket()}/{prefix}/AWSLogs/*",
     "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}}},
    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": [f"arn:aws:s3:::{s.bucket()}", f"arn:aws:s3:::{s.bucket()}/*"],
     "Condition": {"Bool": {"aws:SecureTransport": "false"}, "StringNotEquals": {
         "aws:PrincipalServiceName": "cloudtrail.amazonaws.com"}}}]}))
cloudtrail = s.me().client("cloudtrail")
cloudtrail.create_trail(Name=s.TRAIL, S3BucketName=s.bucket(), S3KeyPrefix=prefix,
                        IsMultiRegionTrail=True, EnableLogFileValidation=True)
cloudtrail.put_event_selectors(TrailName=s.TRAIL, AdvancedEventSelectors=[
    {"Name": "management", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Management"]}]}])
cloudtrail.start_logging(Name=s.TRAIL)
s.make_alert(pattern={"source": ["aws.signin"],
                      "detail-type": ["AWS Console Sign In via CloudTrail"],
                      "detail": {"eventName": ["ConsoleLogin"],
                                 "userIdentity": {"arn": [{"suffix": ":root"}]}}})
s.colleagues_work()
record = s.incident()
when = record["eventTime"].replace("T", " ").replace("Z", " UTC")
s.answer(when=when)
s.validate_logs()
"""


def test_another_correct_way_passes(fresh: Course, tmp_path: Path) -> None:
    admin = after_03(fresh, "ops.admin")
    answers = tmp_path / "answers.toml"
    done = fresh.run([sys.executable, "-c", ANOTHER_WAY], cwd=FOLDER / "broken",
                     env=admin | {"ANSWERS": str(answers), "PYTHONPATH": str(FOLDER / "broken")})
    assert done.returncode == 0, done.stderr
    passes(fresh, answers)


@pytest.mark.parametrize("script", BROKEN, ids=[p.stem for p in BROKEN])
def test_each_wrong_solution_fails_what_it_declares(fresh: Course, tmp_path: Path,
                                                     script: Path) -> None:
    admin = after_03(fresh)
    answers = tmp_path / "answers.toml"
    done = fresh.run([sys.executable, str(script)], cwd=script.parent,
                     env=admin | {"ANSWERS": str(answers)})
    assert done.returncode == 0, done.stderr
    status, passed, said = verdicts(fresh, answers)
    failing = sorted(name for name, ok in passed.items() if not ok)
    assert status == 1
    assert failing == sorted(declared_failures(script)), said


def test_a_trail_whose_bucket_is_gone_fails_its_checks_and_grades(fresh: Course,
                                                                  tmp_path: Path) -> None:
    """A learner who deletes the trail's bucket gets failing checks, not a grading error."""
    from tests.test_trails import aws_policy

    env = fresh.sandbox_env()
    s3, trails = client(env, "s3"), client(env, "cloudtrail")
    account = client(env, "sts").get_caller_identity()["Account"]
    s3.create_bucket(Bucket="soon-gone")
    s3.put_bucket_policy(Bucket="soon-gone", Policy=json.dumps(
        aws_policy("soon-gone", account, "orphan")))
    trails.create_trail(Name="orphan", S3BucketName="soon-gone", IsMultiRegionTrail=True,
                        EnableLogFileValidation=True)
    trails.start_logging(Name="orphan")
    s3.delete_bucket(Bucket="soon-gone")
    status, passed, said = verdicts(fresh, tmp_path / "answers.toml")
    assert status == 1 and passed["multi-region-trail-logging"]
    assert "no longer exists" in said["trail-bucket-locked-down"]
    assert "no longer exists" in said["logs-delivered-and-intact"]


def live_profile(course: Course, env: dict[str, str]) -> dict[str, str]:
    """The environment of `grade --profile course-live`: the simulated account reached as a
    real one, with `env`'s key (live mode: no record, no inbox; the grader's calls are
    made with the learner's key, and recorded as theirs)."""
    config = course.home / "live-aws-config"
    config.write_text("[profile course-live]\n"
                      f"aws_access_key_id = {env['AWS_ACCESS_KEY_ID']}\n"
                      f"aws_secret_access_key = {env['AWS_SECRET_ACCESS_KEY']}\n"
                      f"region = us-east-1\nendpoint_url = {env['AWS_ENDPOINT_URL']}\n")
    return {**course.env, "AWS_CONFIG_FILE": str(config)}


def test_the_graders_own_reads_never_count_as_validating(fresh: Course, tmp_path: Path) -> None:
    """Live mode sees only what event history keeps (ListPublicKeys), and its own
    validation lists the keys and reads every digest with the learner's key: graded live
    twice, then in the simulated account, logs never validated still fail; validated, they
    pass live too."""
    admin = after_03(fresh)
    answers = tmp_path / "answers.toml"
    script = FOLDER / "broken" / "never_validated.py"
    done = fresh.run([sys.executable, str(script)], cwd=script.parent,
                     env=admin | {"ANSWERS": str(answers)})
    assert done.returncode == 0, done.stderr
    live = live_profile(fresh, admin)
    for _ in range(2):
        graded = fresh.grade("05", "--profile", "course-live", "--json", "--answers",
                             str(answers), env=live)
        checks = {c["id"]: c for c in json.loads(graded.stdout)["checks"]}
        assert not checks["logs-validated"]["passed"]
        assert "public keys have not been listed" in checks["logs-validated"]["message"]
        assert checks["logs-delivered-and-intact"]["passed"]
    _, passed, said = verdicts(fresh, answers)
    assert not passed["logs-validated"] and "was never read" in said["logs-validated"], said
    validated = fresh.run([sys.executable, "-c", "import _steps as s; s.validate_logs()"],
                          cwd=script.parent, env=admin | {"PYTHONPATH": str(script.parent)})
    assert validated.returncode == 0, validated.stderr
    graded = fresh.grade("05", "--profile", "course-live", "--json", "--answers", str(answers),
                         env=live)
    assert graded.returncode == 0, graded.stdout
    status, passed, _ = verdicts(fresh, answers)
    assert status == 0 and all(passed.values())
