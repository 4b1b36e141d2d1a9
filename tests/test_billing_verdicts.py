"""06-billing-reports' verdicts beyond right and wrong solutions: a legacy CUR report
instead of an export fails with the reason; mistakes made on a solved account fail the
check they break (and answers written otherwise but right pass); a real account (live
mode, no inbox) takes an alert in ALARM as the e-mail sent."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from grader.course.exercises import find
from tests.admin_user import after_03
from tests.conftest import EXERCISES, Course, client
from tests.exercise_verdicts import Verdicts, check_ids
from tests.exercise_verdicts import verdicts as graded
from tests.live_profile import live_profile

FOLDER = EXERCISES / "06-billing-reports"


def verdicts(course: Course, answers: Path) -> Verdicts:
    return graded(course, "06", answers, check_ids(find("06")))


def test_a_legacy_report_instead_of_an_export_says_why(fresh: Course, tmp_path: Path) -> None:
    """A legacy Cost and Usage Report (`aws cur`) is not the CUR 2.0 export asked for."""
    from tests.test_billing_access import console
    from tests.test_export_deliveries import data_exports_policy

    admin = after_03(fresh)
    assert console(fresh, "enable")[0] == 0
    account = client(admin, "sts").get_caller_identity()["Account"]
    s3 = client(admin, "s3")
    s3.create_bucket(Bucket="legacy-reports")
    s3.put_bucket_policy(Bucket="legacy-reports", Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            *json.loads(data_exports_policy("legacy-reports", account))["Statement"],
            {"Effect": "Allow", "Principal": {"Service": "billingreports.amazonaws.com"},
             "Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::legacy-reports"}]}))
    client(admin, "cur").put_report_definition(ReportDefinition={
        "ReportName": "hourly-cur", "TimeUnit": "HOURLY", "Format": "textORcsv",
        "Compression": "GZIP", "AdditionalSchemaElements": ["RESOURCES"],
        "S3Bucket": "legacy-reports", "S3Prefix": "cur", "S3Region": "us-east-1"})
    _, passed, said = verdicts(fresh, tmp_path / "answers.toml")
    assert not passed["cur2-export"]
    assert "hourly-cur is a legacy Cost and Usage Report" in said["cur2-export"]
    assert "bcm-data-exports" in said["cur2-export"]


def test_later_mistakes_on_a_solved_account(fresh: Course, tmp_path: Path) -> None:
    """Graded on the boto3 solution's account, one mistake at a time: another account let
    in, Block Public Access turned off, a budget that can only fire too late, an amount
    written with a decimal comma (right), the service's full name (right)."""
    answers = tmp_path / "answers.toml"
    env = after_03(fresh)
    script = FOLDER / "solution" / "solution_boto3.py"
    done = fresh.run([sys.executable, str(script)], cwd=script.parent,
                     env=env | {"ANSWERS": str(answers)})
    assert done.returncode == 0, done.stderr[-3000:]
    account = client(env, "sts").get_caller_identity()["Account"]
    s3, budgets = client(env, "s3"), client(env, "budgets")
    bucket = f"billing-reports-{account}"
    kept = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])

    with_other = {**kept, "Statement": [*kept["Statement"], {
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(with_other))
    _, passed, said = verdicts(fresh, answers)
    assert not passed["export-bucket-locked-down"]
    assert "arn:aws:iam::111122223333:root" in said["export-bucket-locked-down"]
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(kept))

    s3.delete_public_access_block(Bucket=bucket)
    _, passed, said = verdicts(fresh, answers)
    assert "does not block public access" in said["export-bucket-locked-down"]
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})

    notification = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 80.0, "ThresholdType": "PERCENTAGE"}
    budgets.update_notification(AccountId=account, BudgetName="monthly-cost",
                                OldNotification=notification,
                                NewNotification={**notification, "Threshold": 150.0})
    _, passed, said = verdicts(fresh, answers)
    assert not passed["cost-budget-email-alert"] and "too late" in said["cost-budget-email-alert"]
    budgets.update_notification(AccountId=account, BudgetName="monthly-cost",
                                OldNotification={**notification, "Threshold": 150.0},
                                NewNotification=notification)

    top, total = (line.split(" = ")[1].strip('"') for line in
                  answers.read_text().splitlines())
    names = {"AmazonS3": "Amazon Simple Storage Service", "awskms": "AWS Key Management Service",
             "AWSSecretsManager": "AWS Secrets Manager",
             "AWSQueueService": "Amazon Simple Queue Service"}
    comma = f"{Decimal(total):.4f}".replace(".", ",")
    answers.write_text(f'top-service = "{names[top]}"\nday-total = "{comma}"\n')
    status, passed, said = verdicts(fresh, answers)
    assert status == 0 and all(passed.values()), said


def test_a_real_account_says_alarm_for_an_alert_sent(fresh: Course, tmp_path: Path) -> None:
    """Live mode has no inbox: there, a notification in ALARM is AWS's word that the e-mail
    went. The alert the bill never reaches is not in ALARM; lowered below the month's
    spend, it is at once, while the simulated account's inbox waits for a midnight."""
    answers = tmp_path / "answers.toml"
    admin = after_03(fresh)
    script = FOLDER / "broken" / "alert_the_bill_never_reaches.py"
    done = fresh.run([sys.executable, str(script)], cwd=script.parent,
                     env=admin | {"ANSWERS": str(answers)})
    assert done.returncode == 0, done.stderr[-3000:]
    live = live_profile(fresh, admin)

    def live_verdict() -> dict[str, Any]:
        graded = fresh.grade("06", "--profile", "course-live", "--json", "--answers",
                             str(answers), env=live)
        return {c["id"]: c for c in json.loads(graded.stdout)["checks"]}["budget-alert-arrived"]

    said = live_verdict()
    assert not said["passed"] and "have not fired yet" in said["message"]
    account = client(admin, "sts").get_caller_identity()["Account"]
    client(admin, "budgets").update_budget(AccountId=account, NewBudget={
        "BudgetName": "monthly-cost", "BudgetType": "COST", "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": "1", "Unit": "USD"}})
    assert live_verdict()["passed"]
    _, passed, said_here = verdicts(fresh, answers)
    assert not passed["budget-alert-arrived"]
    assert "comes after the next midnight" in said_here["budget-alert-arrived"]
