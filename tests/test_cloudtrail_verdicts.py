"""05-cloudtrail's verdicts beyond right and wrong solutions: another correct way passes
(other names, a key prefix, advanced event selectors, another time format); a trail
whose bucket is gone fails its checks and still grades; the grader's own reads of the
logs (live mode) never count as the learner validating them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grader.course.exercises import find
from tests.admin_user import after_03
from tests.conftest import EXERCISES, Course, client
from tests.exercise_verdicts import check_ids, passes, verdicts
from tests.live_profile import live_profile

FOLDER = EXERCISES / "05-cloudtrail"

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
    passes(fresh, find("05"), answers, ("03",))


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
    status, passed, said = verdicts(fresh, "05", tmp_path / "answers.toml",
                                    check_ids(find("05")))
    assert status == 1 and passed["multi-region-trail-logging"]
    assert "no longer exists" in said["trail-bucket-locked-down"]
    assert "no longer exists" in said["logs-delivered-and-intact"]


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
    _, passed, said = verdicts(fresh, "05", answers, check_ids(find("05")))
    assert not passed["logs-validated"] and "was never read" in said["logs-validated"], said
    validated = fresh.run([sys.executable, "-c", "import _steps as s; s.validate_logs()"],
                          cwd=script.parent, env=admin | {"PYTHONPATH": str(script.parent)})
    assert validated.returncode == 0, validated.stderr
    graded = fresh.grade("05", "--profile", "course-live", "--json", "--answers", str(answers),
                         env=live)
    assert graded.returncode == 0, graded.stdout
    status, passed, _ = verdicts(fresh, "05", answers, check_ids(find("05")))
    assert status == 0 and all(passed.values())
