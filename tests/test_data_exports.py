"""Data Exports (CUR 2.0), which moto lacks: exports created, read, changed and deleted as
AWS does, refused with AWS's errors, kept across restarts, and closed to IAM users until
root turns on their access to billing information."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.admin_user import after_03
from tests.conftest import Course, client
from tests.test_billing_access import console
from tests.test_mfa import restart

EXPORT: dict[str, Any] = {
    "Name": "daily-cur2",
    "DataQuery": {
        "QueryStatement": "SELECT identity_line_item_id, line_item_resource_id, "
                          "line_item_unblended_cost, product_servicecode, "
                          "line_item_usage_start_date FROM COST_AND_USAGE_REPORT",
        "TableConfigurations": {"COST_AND_USAGE_REPORT": {
            "TIME_GRANULARITY": "DAILY", "INCLUDE_RESOURCES": "TRUE"}}},
    "DestinationConfigurations": {"S3Destination": {
        "S3Bucket": "billing-exports", "S3Prefix": "cur2", "S3Region": "us-east-1",
        "S3OutputConfigurations": {"OutputType": "CUSTOM", "Format": "TEXT_OR_CSV",
                                   "Compression": "GZIP", "Overwrite": "OVERWRITE_REPORT"}}},
    "RefreshCadence": {"Frequency": "SYNCHRONOUS"},
}


def changed(path: str, value: Any, name: str = "other") -> dict[str, Any]:
    export = copy.deepcopy(EXPORT)
    export["Name"] = name
    where: Any = export
    *parents, last = path.split(".")
    for part in parents:
        where = where[part]
    where[last] = value
    return export


def refused(call: Any, **params: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as error:
        call(**params)
    return str(error.value.response["Error"]["Code"]), str(error.value.response["Error"]["Message"])


def test_exports_as_aws_keeps_them(fresh: Course) -> None:
    exports = client(fresh.sandbox_env(), "bcm-data-exports")
    arn = exports.create_export(Export=EXPORT)["ExportArn"]
    assert arn.startswith(f"arn:aws:bcm-data-exports:us-east-1:{fresh.account()['account_id']}"
                          ":export/daily-cur2-")
    got = exports.get_export(ExportArn=arn)
    assert got["Export"]["DataQuery"] == EXPORT["DataQuery"]
    assert got["ExportStatus"]["StatusCode"] == "HEALTHY"
    assert [e["ExportName"] for e in exports.list_exports()["Exports"]] == ["daily-cur2"]
    schema = {c["Name"] for c in exports.get_table(TableName="COST_AND_USAGE_REPORT")["Schema"]}
    assert {"line_item_unblended_cost", "product_servicecode", "resource_tags"} <= schema
    monthly = changed("DataQuery.TableConfigurations", {"COST_AND_USAGE_REPORT": {
        "TIME_GRANULARITY": "MONTHLY", "INCLUDE_RESOURCES": "TRUE"}}, name="daily-cur2")
    exports.update_export(ExportArn=arn, Export=monthly)
    restart(fresh)
    exports = client(fresh.sandbox_env(), "bcm-data-exports")
    kept = exports.get_export(ExportArn=arn)["Export"]
    assert kept["DataQuery"]["TableConfigurations"]["COST_AND_USAGE_REPORT"][
        "TIME_GRANULARITY"] == "MONTHLY", "kept across a restart"
    exports.delete_export(ExportArn=arn)
    assert refused(exports.get_export, ExportArn=arn)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize(("export", "says"), [
    (changed("Name", "has spaces in it", name="x"), "regular expression pattern"),
    (changed("DataQuery.QueryStatement", "SELECT * FROM COST_AND_USAGE_REPORT"), "SELECT *"),
    (changed("DataQuery.QueryStatement", "SELECT line_item_cost FROM COST_AND_USAGE_REPORT"),
     "does not exist"),
    (changed("DataQuery.QueryStatement", "SELECT product_servicecode FROM CUR"),
     "Table CUR does not exist"),
    (changed("DataQuery.TableConfigurations", {"COST_AND_USAGE_REPORT": {
        "TIME_GRANULARITY": "WEEKLY"}}), "TIME_GRANULARITY must be one of"),
    (changed("DataQuery.TableConfigurations", {"COST_AND_USAGE_REPORT": {
        "INCLUDE_RESOURCES": "FALSE"}}), "requires INCLUDE_RESOURCES = TRUE"),
    (changed("DestinationConfigurations.S3Destination.S3OutputConfigurations.Compression",
             "PARQUET"), "Format and Compression"),
], ids=["name", "star", "column", "table", "granularity", "resources", "format"])
def test_what_aws_refuses(fresh: Course, export: dict[str, Any], says: str) -> None:
    exports = client(fresh.sandbox_env(), "bcm-data-exports")
    code, message = refused(exports.create_export, Export=export)
    assert code == "ValidationException" and says in message, message
    assert exports.list_exports()["Exports"] == []


def test_names_are_unique_and_exports_limited(fresh: Course) -> None:
    exports = client(fresh.sandbox_env(), "bcm-data-exports")
    exports.create_export(Export=EXPORT)
    assert "already exists" in refused(exports.create_export, Export=EXPORT)[1]
    for number in range(4):
        exports.create_export(Export=changed("Name", f"more-{number}", name=f"more-{number}"))
    code, _ = refused(exports.create_export, Export=changed("Name", "sixth", name="sixth"))
    assert code == "ServiceQuotaExceededException"


def test_an_iam_admin_needs_roots_billing_switch(fresh: Course) -> None:
    admin = after_03(fresh)
    exports = client(admin, "bcm-data-exports")
    assert refused(exports.list_exports)[0] == "AccessDeniedException"
    assert console(fresh, "enable")[0] == 0
    assert exports.list_exports()["Exports"] == []
