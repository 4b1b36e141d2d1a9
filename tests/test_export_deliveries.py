"""The account's bill, and Data Exports delivering it: once a day of the account's time, in
AWS's layout, to a bucket whose policy lets `bcm-data-exports.amazonaws.com` write (else the
export turns unhealthy), the same bytes after a restart."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from decimal import Decimal
from typing import Any

from tests.conftest import Course, client
from tests.test_data_exports import EXPORT
from tests.test_mfa import restart


def data_exports_policy(bucket: str, account_id: str,
                        services: tuple[str, ...] = ("billingreports.amazonaws.com",
                                                     "bcm-data-exports.amazonaws.com")) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "EnableAWSDataExportsToWriteToS3AndCheckPolicy", "Effect": "Allow",
        "Principal": {"Service": list(services)},
        "Action": ["s3:PutObject", "s3:GetBucketPolicy"],
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"StringLike": {
            "aws:SourceAccount": account_id,
            "aws:SourceArn": [f"arn:aws:cur:us-east-1:{account_id}:definition/*",
                              f"arn:aws:bcm-data-exports:us-east-1:{account_id}:export/*"]}}}]})


def advance(course: Course, by: str) -> dt.datetime:
    """Move the account's clock on by `by`; its time after."""
    done = course.grade("sandbox", "advance", by, "--json")
    assert done.returncode == 0, done.stderr
    return dt.datetime.fromisoformat(json.loads(done.stdout)["accountTime"])


def settle_a_day_of_this_month(course: Course) -> dt.datetime:
    """Advance past midnight, and once more if that began a month: the month then has a
    settled day (for what looks at the current month: budgets)."""
    now = advance(course, "1d")
    return advance(course, "1d") if now.day == 1 else now


def report_rows(s3: Any, bucket: str, key: str) -> list[dict[str, str]]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return list(csv.DictReader(io.StringIO(gzip.decompress(body).decode())))


def test_an_export_delivers_the_bill_once_a_day(fresh: Course) -> None:
    env = fresh.sandbox_env()
    account_id = fresh.account()["account_id"]
    s3, exports = client(env, "s3"), client(env, "bcm-data-exports")
    s3.create_bucket(Bucket="billing-exports")
    s3.put_object(Bucket="billing-exports", Key="readme.txt", Body=b"x" * 5000)
    client(env, "kms").create_key(Description="orders")
    s3.put_bucket_policy(Bucket="billing-exports",
                         Policy=data_exports_policy("billing-exports", account_id))
    arn = exports.create_export(Export=EXPORT)["ExportArn"]
    assert exports.list_executions(ExportArn=arn)["Executions"] == []
    advance(fresh, "2d")
    listed = s3.list_objects_v2(Bucket="billing-exports", Prefix="cur2/")["Contents"]
    keys = sorted(o["Key"] for o in listed)
    data = [k for k in keys if "/data/BILLING_PERIOD=" in k]
    manifests = [k for k in keys if k.endswith("daily-cur2-Manifest.json")]
    assert data and all(k.endswith("/daily-cur2-00001.csv.gz") for k in data), keys
    assert manifests and all("/metadata/BILLING_PERIOD=" in k for k in manifests), keys
    rows = [r for key in data for r in report_rows(s3, "billing-exports", key)]
    products = {r["product_servicecode"] for r in rows}
    assert {"AmazonS3", "awskms"} <= products, products
    assert any(r["line_item_resource_id"] == "billing-exports" for r in rows)
    assert all(Decimal(r["line_item_unblended_cost"]) >= 0 for r in rows)
    executions = exports.list_executions(ExportArn=arn)["Executions"]
    assert len(executions) == 2, "a delivery a day"
    assert {e["ExecutionStatus"]["StatusCode"] for e in executions} == {"DELIVERY_SUCCESS"}
    got = exports.get_execution(ExportArn=arn, ExecutionId=executions[0]["ExecutionId"])
    assert got["Export"]["Name"] == "daily-cur2"
    assert exports.get_export(ExportArn=arn)["ExportStatus"]["StatusCode"] == "HEALTHY"
    before = {k: s3.get_object(Bucket="billing-exports", Key=k)["Body"].read() for k in keys}
    restart(fresh)
    s3 = client(fresh.sandbox_env(), "s3")
    after = {k: s3.get_object(Bucket="billing-exports", Key=k)["Body"].read() for k in keys}
    assert after == before, "a replayed account delivers the same bytes"


def test_a_bucket_for_the_legacy_service_only_makes_the_export_unhealthy(fresh: Course) -> None:
    env = fresh.sandbox_env()
    account_id = fresh.account()["account_id"]
    s3, exports = client(env, "s3"), client(env, "bcm-data-exports")
    s3.create_bucket(Bucket="billing-exports")
    s3.put_bucket_policy(Bucket="billing-exports", Policy=data_exports_policy(
        "billing-exports", account_id, ("billingreports.amazonaws.com",)))
    arn = exports.create_export(Export=EXPORT)["ExportArn"]
    advance(fresh, "1d")
    assert "Contents" not in s3.list_objects_v2(Bucket="billing-exports")
    status = exports.get_export(ExportArn=arn)["ExportStatus"]
    assert (status["StatusCode"], status["StatusReason"]) == ("UNHEALTHY",
                                                              "INSUFFICIENT_PERMISSION")
    execution = exports.list_executions(ExportArn=arn)["Executions"][0]
    assert execution["ExecutionStatus"]["StatusCode"] == "DELIVERY_FAILURE"
    s3.put_bucket_policy(Bucket="billing-exports",
                         Policy=data_exports_policy("billing-exports", account_id))
    advance(fresh, "1d")
    assert exports.get_export(ExportArn=arn)["ExportStatus"]["StatusCode"] == "HEALTHY"
    assert s3.list_objects_v2(Bucket="billing-exports")["KeyCount"] == 2
