"""Reference solution with boto3. Run it as your IAM admin user (in an MFA session, if your
admin group requires MFA as in exercise 04):

    AWS_PROFILE=sandbox-admin python solution_boto3.py

It does root's one task through `grade console` (root's password from
`grade sandbox status --json`), everything else as you, and writes its answers to
../answers.toml (or to $ANSWERS).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import subprocess
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import boto3

HERE = Path(__file__).resolve().parent
ANSWERS = Path(os.environ.get("ANSWERS", HERE.parent / "answers.toml"))


def grade(*args: str) -> str:
    return subprocess.run(["grade", *args], check=True, capture_output=True, text=True).stdout


session = boto3.Session()
account = session.client("sts").get_caller_identity()["Account"]
bucket = f"billing-reports-{account}"

# 0. The team's orders service starts running (and costing).
grade("start", "06")

# 1. Root's one task: let IAM users and roles see billing.
root_password = json.loads(grade("sandbox", "status", "--json"))["rootPassword"]
grade("console", "billing-access", "enable", "--password", root_password)

# 2. The bucket: private, and a policy that lets Data Exports write for this account only.
s3 = session.client("s3")
s3.create_bucket(Bucket=bucket)
s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True})
policy = (HERE / "bucket-policy.json").read_text()
s3.put_bucket_policy(Bucket=bucket,
                     Policy=policy.replace("BUCKET", bucket).replace("ACCOUNT", account))

# 3. The CUR 2.0 export: daily, with resource ids.
exports = session.client("bcm-data-exports", region_name="us-east-1")
export = json.loads((HERE / "export.json").read_text().replace("BUCKET", bucket))
arn = exports.create_export(Export=export)["ExportArn"]

# 4. The budget: $1 a month, an e-mail at 80% of it (low, so that this month's bill
#    crosses it and the e-mail arrives while you do the exercise).
budgets = session.client("budgets", region_name="us-east-1")
budgets.create_budget(AccountId=account, Budget=json.loads((HERE / "budget.json").read_text()),
                      NotificationsWithSubscribers=json.loads(
                          (HERE / "alerts.json").read_text()))

# 5. Data Exports delivers after midnight UTC: let a day pass, then read the report.
grade("sandbox", "advance", "1d")
assert exports.list_executions(ExportArn=arn)["Executions"], "nothing delivered"
prefix = f"{export['DestinationConfigurations']['S3Destination']['S3Prefix']}/{export['Name']}"
listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/data/")["Contents"]
key = next(o["Key"] for o in listed if o["Key"].endswith(".csv.gz"))
text = gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()).decode()
by_service: dict[str, Decimal] = defaultdict(Decimal)
by_day: dict[str, Decimal] = defaultdict(Decimal)
for row in csv.DictReader(io.StringIO(text)):
    cost = Decimal(row["line_item_unblended_cost"])
    by_service[row["line_item_product_code"]] += cost
    by_day[row["line_item_usage_start_date"][:10]] += cost
top = max(by_service, key=lambda service: by_service[service])
last_day = max(by_day)
ANSWERS.write_text(f'top-service = "{top}"\nday-total = "{by_day[last_day]}"\n',
                   encoding="utf-8")
print(f"{top} cost most; {last_day} cost ${by_day[last_day]:.4f}. Answers in {ANSWERS}.")

# 6. The budget's e-mail: AWS Budgets sends it after a midnight (UTC) whose settled costs
#    cross the alert. Let days pass until it is in the inbox.
for _ in range(40):
    mails = json.loads(grade("sandbox", "inbox", "--json"))["mails"]
    if any(m["subject"].startswith("AWS Budgets: monthly-cost ") for m in mails):
        break
    grade("sandbox", "advance", "1d")
print(grade("sandbox", "inbox"))
