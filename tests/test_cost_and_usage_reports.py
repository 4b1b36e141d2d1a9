"""The legacy Cost and Usage Report API (`cur`), which moto lacks: report definitions
checked as AWS checks them (the bucket policy for billingreports.amazonaws.com evaluated,
formats, artifacts, names, the limit), kept across restarts, closed to IAM users until
root turns on their access to billing information."""

from __future__ import annotations

import json
from typing import Any

from tests.admin_user import after_03
from tests.conftest import Course, client
from tests.test_billing_access import console
from tests.test_data_exports import refused
from tests.test_mfa import restart

BUCKET = "legacy-cur-reports"


def definition(name: str = "hourly-costs", **changes: Any) -> dict[str, Any]:
    return {"ReportName": name, "TimeUnit": "HOURLY", "Format": "textORcsv",
            "Compression": "GZIP", "AdditionalSchemaElements": ["RESOURCES"],
            "S3Bucket": BUCKET, "S3Prefix": "cur", "S3Region": "us-east-1",
            "RefreshClosedReports": True, "ReportVersioning": "OVERWRITE_REPORT", **changes}


def cur_statements(account: str) -> list[dict[str, Any]]:
    """The bucket policy's statements the CUR User Guide gives for legacy reports."""
    mine = {"StringEquals": {"aws:SourceAccount": account}}
    return [{"Effect": "Allow", "Principal": {"Service": "billingreports.amazonaws.com"},
             "Action": ["s3:GetBucketAcl", "s3:GetBucketPolicy"],
             "Resource": f"arn:aws:s3:::{BUCKET}", "Condition": mine},
            {"Effect": "Allow", "Principal": {"Service": "billingreports.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
             "Condition": mine}]


def bucket_for_cur(course: Course, statements: list[dict[str, Any]] | None = None,
                   create: bool = True) -> None:
    """The reports' bucket (made, unless `create` is False) with CUR's policy, or another."""
    env = course.sandbox_env()
    account = client(env, "sts").get_caller_identity()["Account"]
    s3 = client(env, "s3")
    if create:
        s3.create_bucket(Bucket=BUCKET)
    chosen = statements if statements is not None else cur_statements(account)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps({"Version": "2012-10-17",
                                                           "Statement": chosen}))


def test_a_report_needs_a_bucket_that_lets_cur_deliver(fresh: Course) -> None:
    cur = client(fresh.sandbox_env() | {"AWS_DEFAULT_REGION": "us-east-1"}, "cur")
    code, message = refused(cur.put_report_definition, ReportDefinition=definition())
    assert code == "ValidationException" and "bucket permission" in message
    bucket_for_cur(fresh, statements=[  # Data Exports' principal only: not enough for CUR
        {"Effect": "Allow", "Principal": {"Service": "bcm-data-exports.amazonaws.com"},
         "Action": ["s3:PutObject", "s3:GetBucketPolicy"],
         "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]}])
    assert refused(cur.put_report_definition, ReportDefinition=definition())[0] == \
        "ValidationException"
    bucket_for_cur(fresh, create=False)
    cur.put_report_definition(ReportDefinition=definition())
    names = [d["ReportName"] for d in cur.describe_report_definitions()["ReportDefinitions"]]
    assert names == ["hourly-costs"]
    assert refused(cur.put_report_definition,
                   ReportDefinition=definition())[0] == "DuplicateReportNameException"
    cur.modify_report_definition(ReportName="hourly-costs",
                                 ReportDefinition=definition(TimeUnit="DAILY"))
    restart(fresh)
    cur = client(fresh.sandbox_env(), "cur")
    kept = cur.describe_report_definitions()["ReportDefinitions"]
    assert [d["TimeUnit"] for d in kept] == ["DAILY"], "kept across a restart"
    cur.delete_report_definition(ReportName="hourly-costs")
    assert cur.describe_report_definitions()["ReportDefinitions"] == []


def test_formats_artifacts_and_the_limit(fresh: Course) -> None:
    bucket_for_cur(fresh)
    cur = client(fresh.sandbox_env(), "cur")
    for wrong in (definition(Format="Parquet", Compression="GZIP"),
                  definition(AdditionalArtifacts=["ATHENA"]),  # needs Parquet
                  definition(AdditionalArtifacts=["QUICKSIGHT"], Format="Parquet",
                             Compression="Parquet")):
        assert refused(cur.put_report_definition, ReportDefinition=wrong)[0] == \
            "ValidationException", wrong
    cur.put_report_definition(ReportDefinition=definition(
        "athena", Format="Parquet", Compression="Parquet", AdditionalArtifacts=["ATHENA"]))
    for number in range(4):
        cur.put_report_definition(ReportDefinition=definition(f"report-{number}"))
    assert refused(cur.put_report_definition, ReportDefinition=definition("sixth"))[0] == \
        "ReportLimitReachedException"


def test_an_iam_admin_needs_roots_billing_switch(fresh: Course) -> None:
    admin = after_03(fresh)
    cur = client(admin, "cur")
    assert refused(cur.describe_report_definitions)[0] == "AccessDeniedException"
    assert console(fresh, "enable")[0] == 0
    assert cur.describe_report_definitions()["ReportDefinitions"] == []
