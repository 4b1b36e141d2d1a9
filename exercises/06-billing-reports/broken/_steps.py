"""Steps of the exercise, done right, from which each wrong solution here is built with
exactly one mistake. Every script runs as your IAM admin user from exercise 03 (with its
long-term key, or in an MFA session), and writes its answers to $ANSWERS:

    ANSWERS=/tmp/answers.toml AWS_PROFILE=sandbox-admin python broken/NAME.py

and says in its docstring which checks must fail (`fails: ...`). Root's one task (the
billing switch) goes through `grade console`, with root's password from
`grade sandbox status --json`.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import json
import os
import subprocess
from collections import defaultdict
from decimal import Decimal
from typing import Any

import boto3

EXPORT = "monthly-cur2"
BUDGET = "monthly-cost"
COLUMNS = ("line_item_resource_id", "line_item_product_code", "line_item_usage_start_date",
           "line_item_unblended_cost", "line_item_usage_type")
ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True,
               "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


@functools.cache
def me() -> Any:
    return boto3.Session()


@functools.cache
def account() -> str:
    return str(me().client("sts").get_caller_identity()["Account"])


def bucket() -> str:
    return f"billing-reports-{account()}"


def grade(*args: str) -> str:
    return subprocess.run(["grade", *args], check=True, capture_output=True,
                          text=True).stdout


def root_password() -> str:
    return str(json.loads(grade("sandbox", "status", "--json"))["rootPassword"])


def start() -> None:
    grade("start", "06")


def billing_access() -> None:
    """Root's one task: open billing to IAM users and roles."""
    grade("console", "billing-access", "enable", "--password", root_password())


def policy(services: tuple[str, ...] = ("billingreports.amazonaws.com",
                                        "bcm-data-exports.amazonaws.com")) -> dict[str, Any]:
    name, acct = bucket(), account()
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "EnableAWSDataExportsToWriteToS3AndCheckPolicy", "Effect": "Allow",
        "Principal": {"Service": list(services)},
        "Action": ["s3:PutObject", "s3:GetBucketPolicy"],
        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
        "Condition": {"StringLike": {
            "aws:SourceAccount": acct,
            "aws:SourceArn": [f"arn:aws:cur:us-east-1:{acct}:definition/*",
                              f"arn:aws:bcm-data-exports:us-east-1:{acct}:export/*"]}}}]}


def make_bucket(bucket_policy: dict[str, Any] | None = None) -> None:
    s3 = me().client("s3")
    s3.create_bucket(Bucket=bucket())
    s3.put_public_access_block(Bucket=bucket(), PublicAccessBlockConfiguration=ALL_BLOCKED)
    s3.put_bucket_policy(Bucket=bucket(), Policy=json.dumps(bucket_policy or policy()))


def export_document(columns: tuple[str, ...] = COLUMNS, resources: bool = True,
                    granularity: str = "DAILY") -> dict[str, Any]:
    return {
        "Name": EXPORT,
        "DataQuery": {
            "QueryStatement": f"SELECT {', '.join(columns)} FROM COST_AND_USAGE_REPORT",
            "TableConfigurations": {"COST_AND_USAGE_REPORT": {
                "TIME_GRANULARITY": granularity,
                "INCLUDE_RESOURCES": "TRUE" if resources else "FALSE"}}},
        "DestinationConfigurations": {"S3Destination": {
            "S3Bucket": bucket(), "S3Prefix": "cur2", "S3Region": "us-east-1",
            "S3OutputConfigurations": {"OutputType": "CUSTOM", "Format": "TEXT_OR_CSV",
                                       "Compression": "GZIP",
                                       "Overwrite": "OVERWRITE_REPORT"}}},
        "RefreshCadence": {"Frequency": "SYNCHRONOUS"},
    }


def make_export(client: Any = None, **settings: Any) -> str:
    exports = client or me().client("bcm-data-exports", region_name="us-east-1")
    return str(exports.create_export(Export=export_document(**settings))["ExportArn"])


def make_budget(subscribers: bool = True, limit: str = "1") -> None:
    """A monthly cost budget of $`limit` with an e-mail alert at 80% of it (`subscribers`:
    the alert; AWS takes no notification without a subscriber, so without: no alert at all).
    At $1, this month's bill crosses it within days: the e-mail arrives."""
    notification = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
                    "Threshold": 80.0, "ThresholdType": "PERCENTAGE"}
    budgets = me().client("budgets", region_name="us-east-1")
    budgets.create_budget(
        AccountId=account(),
        Budget={"BudgetName": BUDGET, "BudgetType": "COST", "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": limit, "Unit": "USD"}},
        NotificationsWithSubscribers=[{"Notification": notification, "Subscribers": [
            {"SubscriptionType": "EMAIL", "Address": "billing@example.com"}]}]
        if subscribers else [])


def wait_for_delivery() -> None:
    grade("sandbox", "advance", "1d")


def alert_arrived() -> bool:
    """Whether AWS Budgets' e-mail about the budget is in the account's inbox."""
    mails = json.loads(grade("sandbox", "inbox", "--json"))["mails"]
    return any(m["subject"].startswith(f"AWS Budgets: {BUDGET} ") for m in mails)


def wait_for_alert(days: int = 40) -> None:
    """Let days pass, one at a time, until the budget's e-mail arrives (at most `days`)."""
    for _ in range(days):
        if alert_arrived():
            return
        grade("sandbox", "advance", "1d")


def first_report(export_arn: str) -> list[dict[str, str]]:
    """The rows of the report the export delivered first (its only one, after one day)."""
    exports = me().client("bcm-data-exports", region_name="us-east-1")
    executions = exports.list_executions(ExportArn=export_arn)["Executions"]
    assert executions, "nothing delivered yet"
    s3 = me().client("s3")
    listed = s3.list_objects_v2(Bucket=bucket(), Prefix=f"cur2/{EXPORT}/data/")
    key = next(o["Key"] for o in listed["Contents"] if o["Key"].endswith(".csv.gz"))
    body = s3.get_object(Bucket=bucket(), Key=key)["Body"].read()
    return list(csv.DictReader(io.StringIO(gzip.decompress(body).decode())))


def read_answers(rows: list[dict[str, str]]) -> tuple[str, str]:
    by_service: dict[str, Decimal] = defaultdict(Decimal)
    by_day: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        cost = Decimal(row["line_item_unblended_cost"])
        by_service[row["line_item_product_code"]] += cost
        by_day[row["line_item_usage_start_date"][:10]] += cost
    top = max(by_service, key=lambda service: by_service[service])
    return top, str(by_day[max(by_day)])


def answer(top: str, total: str) -> None:
    with open(os.environ["ANSWERS"], "w", encoding="utf-8") as out:
        out.write(f'top-service = "{top}"\nday-total = "{total}"\n')


def everything(**mistakes: Any) -> None:
    """The whole exercise, right, except for what `mistakes` changes."""
    start()
    billing_access()
    make_bucket(mistakes.get("bucket_policy"))
    arn = make_export(**mistakes.get("export", {}))
    make_budget(mistakes.get("subscribers", True), mistakes.get("limit", "1"))
    wait_for_delivery()
    try:
        top, total = read_answers(first_report(arn))
    except (AssertionError, KeyError, StopIteration):  # nothing delivered: a guess
        top, total = "AmazonS3", "0.10"
    answer(*mistakes.get("answers", (top, total)))
    wait_for_alert(mistakes.get("wait_days", 40))


def root_exports_client() -> Any:
    """A Data Exports client with a new root access key (made in the console, as root)."""
    import re

    said = grade("console", "root-keys", "create", "--password", root_password())
    key_id, secret = re.search(r"key (\S+) \(secret (\S+)\)", said).groups()  # type: ignore[union-attr]
    return boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=secret).client(
        "bcm-data-exports", region_name="us-east-1",
        endpoint_url=me().client("s3").meta.endpoint_url)
