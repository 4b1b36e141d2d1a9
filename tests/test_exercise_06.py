"""06-billing-reports through the real `grade` command on a real simulated account, started
where exercise 03 leaves it (an IAM admin user with its own access key): that account fails
every check, every wrong solution fails exactly the checks it names, every reference
solution passes (the AWS CLI, boto3, a notebook) and so does another correct way; a legacy
CUR report instead of an export fails with the reason; 03 still passes, except after root
made the export."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXERCISES, Course
from tests.exercise_verdicts import (
    Verdicts,
    passes_with_03,
    run_solution_notebook,
    the_server_agrees,
)
from tests.exercise_verdicts import verdicts as shared_verdicts
from tests.test_exercise_03 import declared_failures
from tests.test_exercise_04 import after_03

FOLDER = EXERCISES / "06-billing-reports"
CHECKS = ["billing-access-turned-on-by-root", "cur2-export", "export-bucket-locked-down",
          "export-delivered", "billing-set-up-by-admin", "cost-budget-email-alert",
          "budget-alert-arrived", "first-report-answers"]
BROKEN = sorted(p for p in (FOLDER / "broken").glob("*.py") if not p.name.startswith("_"))


def verdicts(course: Course, answers: Path | None, exercise: str = "06") -> Verdicts:
    return shared_verdicts(course, exercise, answers, CHECKS if exercise == "06" else None)


def passes(course: Course, answers: Path) -> None:
    passes_with_03(course, "06", CHECKS, answers)


def run_script(course: Course, script: Path, answers: Path, user: str = "admin") -> None:
    admin = after_03(course, user) if user != "admin" else after_03(course)
    done = course.run([sys.executable, str(script)], cwd=script.parent,
                      env=admin | {"ANSWERS": str(answers)})
    assert done.returncode == 0, done.stderr[-3000:]


def test_starting_account_fails_every_check(fresh: Course, tmp_path: Path) -> None:
    after_03(fresh)
    status, passed, said = verdicts(fresh, tmp_path / "answers.toml")
    assert status == 1 and not any(passed.values()), said


def test_boto3_solution_passes(fresh: Course, tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    run_script(fresh, FOLDER / "solution" / "solution_boto3.py", answers)
    passes(fresh, answers)
    the_server_agrees(fresh, "06", answers)


def test_cli_solution_passes_with_the_mfa_profile(fresh: Course, tmp_path: Path) -> None:
    """After 04, the CLI solution works with the MFA profile: a code before the start
    (which uses the AWS CLI's session), one after its three days, one after the day
    the export waits for: three sessions over four days of the account's time."""
    from tests.mfa_profile import after_04_with_profile, run_detached
    from tests.test_exercise_05 import events_of

    mfa = after_04_with_profile(fresh, tmp_path / "home")
    answers = tmp_path / "answers.toml"
    done = run_detached(fresh, ["bash", str(FOLDER / "solution" / "solution.sh")],
                        env=mfa | {"ANSWERS": str(answers)})
    assert done.returncode == 0, done.stderr[-3000:]
    passes(fresh, answers)
    sessions = [e for e in events_of(fresh) if "errorCode" not in e]
    assert len(sessions) == 3, [e["eventTime"] for e in sessions]


def test_notebook_solution_passes(fresh: Course, tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    run_solution_notebook(fresh, FOLDER, after_03(fresh), answers)
    passes(fresh, answers)


@pytest.mark.parametrize("script", BROKEN, ids=[p.stem for p in BROKEN])
def test_each_wrong_solution_fails_what_it_declares(fresh: Course, tmp_path: Path,
                                                     script: Path) -> None:
    answers = tmp_path / "answers.toml"
    run_script(fresh, script, answers)
    status, passed, said = verdicts(fresh, answers)
    failing = sorted(name for name, ok in passed.items() if not ok)
    assert status == 1
    assert failing == sorted(declared_failures(script)), said
    if script.stem == "export_made_by_root":
        _, passed_03, _ = verdicts(fresh, None, "03")
        assert not passed_03["root-not-used-after-admin"], "root's export fails 03's rule too"


def test_a_legacy_report_instead_of_an_export_says_why(fresh: Course, tmp_path: Path) -> None:
    """A legacy Cost and Usage Report (`aws cur`) is not the CUR 2.0 export asked for."""
    from tests.conftest import client
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
    from tests.conftest import client

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
    from tests.conftest import client
    from tests.test_exercise_05 import live_profile

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
