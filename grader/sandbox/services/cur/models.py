"""Legacy Cost and Usage Report definitions, as AWS keeps and checks them (us-east-1).

PutReportDefinition (AWS Cost and Usage Report API Reference) refuses, as AWS
does: a report name taken (`DuplicateReportNameException`); more than the
account's reports (`ReportLimitReachedException`); a format that does not go
with its compression (Parquet with Parquet, textORcsv with ZIP or GZIP); the
Athena artifact other than alone, with Parquet and OVERWRITE_REPORT; Redshift
or QuickSight artifacts without textORcsv; and a bucket whose policy does not
let `billingreports.amazonaws.com` read its policy and write into it
for this account's report definitions (`ValidationException`: AWS's "Failed
to verify customer bucket permission"). The policy is evaluated with
`grader.policy`, aws:SourceArn (the definition's ARN) and aws:SourceAccount
included. ModifyReportDefinition checks the same; DeleteReportDefinition of
an unknown name says so.
"""

from __future__ import annotations

from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import JsonRESTError

from grader.billing.bucket_policy import BILLING_REPORTS as SERVICE
from grader.sandbox.history.record import REPLAYING
from grader.sandbox.services.s3.models import service_may

LIMIT = 5  # report definitions per account (AWS CUR User Guide, "Quotas and restrictions")


class ValidationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


class DuplicateReportNameException(JsonRESTError):
    def __init__(self, name: str) -> None:
        super().__init__("DuplicateReportNameException",
                         f"Duplicate report name: a report named {name} already exists.")


class ReportLimitReachedException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("ReportLimitReachedException",
                         f"This account already has {LIMIT} report definitions.")


def definition_arn(account_id: str, name: str) -> str:
    return f"arn:aws:cur:us-east-1:{account_id}:definition/{name}"


def check_definition(definition: dict[str, Any]) -> None:
    fmt, compression = definition.get("Format"), definition.get("Compression")
    if (fmt, compression) not in {("textORcsv", "ZIP"), ("textORcsv", "GZIP"),
                                  ("Parquet", "Parquet")}:
        raise ValidationException("Format and Compression do not go together: Parquet with "
                                  "Parquet, textORcsv with ZIP or GZIP.")
    artifacts = definition.get("AdditionalArtifacts") or []
    if "ATHENA" in artifacts and (len(artifacts) > 1 or fmt != "Parquet"
                                  or definition.get("ReportVersioning") != "OVERWRITE_REPORT"):
        raise ValidationException("The Athena artifact goes alone, with Parquet and "
                                  "OVERWRITE_REPORT.")
    if {"REDSHIFT", "QUICKSIGHT"} & set(artifacts) and fmt != "textORcsv":
        raise ValidationException("Redshift and QuickSight artifacts need textORcsv.")


def bucket_lets_billing_reports(account_id: str, definition: dict[str, Any]) -> bool:
    """Whether the destination bucket's policy lets CUR deliver this report."""
    bucket = str(definition.get("S3Bucket", ""))
    prefix = str(definition.get("S3Prefix") or "")
    key = f"{prefix}/{definition['ReportName']}/report.csv.gz".lstrip("/")
    source = {"aws:SourceArn": definition_arn(account_id, str(definition["ReportName"])),
              "aws:SourceAccount": account_id}
    return service_may(account_id, bucket, SERVICE, source, [
        ("s3:GetBucketPolicy", f"arn:aws:s3:::{bucket}"),
        ("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")])


class CostAndUsageReportBackend(BaseBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.definitions: dict[str, dict[str, Any]] = {}

    def _check(self, definition: dict[str, Any]) -> None:
        check_definition(definition)
        if not REPLAYING.get() and not bucket_lets_billing_reports(self.account_id, definition):
            raise ValidationException(
                f"Failed to verify customer bucket permission. accountId= {self.account_id}, "
                f"bucket= {definition.get('S3Bucket')}, region= {definition.get('S3Region')}")

    def put(self, definition: dict[str, Any]) -> None:
        name = str(definition.get("ReportName", ""))
        if name in self.definitions:
            raise DuplicateReportNameException(name)
        if len(self.definitions) >= LIMIT:
            raise ReportLimitReachedException()
        self._check(definition)
        self.definitions[name] = dict(definition)

    def modify(self, name: str, definition: dict[str, Any]) -> None:
        if name not in self.definitions:
            raise ValidationException(f"Report {name} does not exist.")
        if definition.get("ReportName") != name:
            raise ValidationException("A report's name cannot be changed.")
        self._check(definition)
        self.definitions[name] = dict(definition)

    def delete(self, name: str) -> str:
        if name not in self.definitions:
            raise ValidationException(f"Report {name} does not exist.")
        del self.definitions[name]
        return f"Report {name} deleted."


cur_backends = BackendDict(CostAndUsageReportBackend, "cur", use_boto3_regions=False,
                           additional_regions=["us-east-1"])
