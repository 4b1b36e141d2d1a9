"""Data Exports' exports, as AWS keeps and validates them (us-east-1 only).

An export is a SQL query on one of Data Exports' tables (here CUR 2.0's
`COST_AND_USAGE_REPORT`) with the table's configurations, an S3 destination
and a refresh cadence (AWS Data Exports API Reference, "CreateExport"). As AWS
does, CreateExport refuses: a name that is not 1-128 letters, digits, `-` or
`_`, or is taken; a query that is not `SELECT <columns> FROM <table>` with the
table's columns (no `*`); an unknown table configuration or value;
`line_item_resource_id` without `INCLUDE_RESOURCES` = `TRUE`; more exports than
the account's quota. Errors are AWS's: `ValidationException`,
`ResourceNotFoundException`, `ServiceQuotaExceededException`.

The table lists the CUR 2.0 columns the course uses (AWS Data Exports User
Guide, "Cost and Usage Report (CUR) 2.0": bill, identity, line item, pricing,
product, reservation, savings plan, and the map columns); AWS's has more
(about 125), which a query here cannot name yet.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import mock_random

TABLE = "COST_AND_USAGE_REPORT"
QUOTA = 5  # exports per account (Data Exports User Guide, "Quotas and restrictions")
_NAME = re.compile(r"^[0-9A-Za-z_-]{1,128}$")
_QUERY = re.compile(r"^\s*SELECT\s+(?P<columns>.+?)\s+FROM\s+(?P<table>[A-Za-z0-9_]+)\s*;?\s*$",
                    re.IGNORECASE | re.DOTALL)
RESOURCE_COLUMN = "line_item_resource_id"
COLUMNS: dict[str, str] = {
    "bill_bill_type": "string", "bill_billing_entity": "string",
    "bill_billing_period_end_date": "timestamp", "bill_billing_period_start_date": "timestamp",
    "bill_invoice_id": "string", "bill_invoicing_entity": "string",
    "bill_payer_account_id": "string", "bill_payer_account_name": "string",
    "cost_category": "map", "discount": "map", "discount_bundled_discount": "double",
    "discount_total_discount": "double",
    "identity_line_item_id": "string", "identity_time_interval": "string",
    "line_item_availability_zone": "string", "line_item_blended_cost": "double",
    "line_item_blended_rate": "string", "line_item_currency_code": "string",
    "line_item_legal_entity": "string", "line_item_line_item_description": "string",
    "line_item_line_item_type": "string", "line_item_net_unblended_cost": "double",
    "line_item_normalized_usage_amount": "double", "line_item_operation": "string",
    "line_item_product_code": "string", RESOURCE_COLUMN: "string",
    "line_item_tax_type": "string", "line_item_unblended_cost": "double",
    "line_item_unblended_rate": "string", "line_item_usage_account_id": "string",
    "line_item_usage_account_name": "string", "line_item_usage_amount": "double",
    "line_item_usage_end_date": "timestamp", "line_item_usage_start_date": "timestamp",
    "line_item_usage_type": "string",
    "pricing_currency": "string", "pricing_public_on_demand_cost": "double",
    "pricing_public_on_demand_rate": "string", "pricing_purchase_option": "string",
    "pricing_rate_code": "string", "pricing_rate_id": "string", "pricing_term": "string",
    "pricing_unit": "string",
    "product": "map", "product_comment": "string", "product_fee_code": "string",
    "product_fee_description": "string", "product_from_location": "string",
    "product_from_location_type": "string", "product_from_region_code": "string",
    "product_instance_family": "string", "product_instance_type": "string",
    "product_location": "string", "product_location_type": "string",
    "product_operation": "string", "product_pricing_unit": "string",
    "product_product_family": "string", "product_region_code": "string",
    "product_servicecode": "string", "product_sku": "string",
    "product_to_location": "string", "product_to_location_type": "string",
    "product_to_region_code": "string", "product_usagetype": "string",
    "reservation_amortized_upfront_cost_for_usage": "double",
    "reservation_effective_cost": "double", "reservation_reservation_a_r_n": "string",
    "resource_tags": "map",
    "savings_plan_savings_plan_a_r_n": "string",
    "savings_plan_savings_plan_effective_cost": "double",
}
CONFIGURATIONS: dict[str, tuple[str, ...]] = {
    "TIME_GRANULARITY": ("HOURLY", "DAILY", "MONTHLY"),
    "INCLUDE_RESOURCES": ("TRUE", "FALSE"),
    "INCLUDE_SPLIT_COST_ALLOCATION_DATA": ("TRUE", "FALSE"),
    "INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": ("TRUE", "FALSE"),
    "BILLING_VIEW_ARN": (),  # any ARN
}
DEFAULTS = {"TIME_GRANULARITY": "HOURLY", "INCLUDE_RESOURCES": "FALSE",
            "INCLUDE_SPLIT_COST_ALLOCATION_DATA": "FALSE",
            "INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": "FALSE"}


class ValidationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


class ResourceNotFoundException(JsonRESTError):
    code = 404

    def __init__(self, arn: str, what: str = "Export") -> None:
        super().__init__("ResourceNotFoundException", f"{what} {arn} does not exist.")


class ServiceQuotaExceededException(JsonRESTError):
    code = 402

    def __init__(self) -> None:
        super().__init__("ServiceQuotaExceededException",
                         f"You have reached the limit of {QUOTA} exports for this account.")


@dataclass
class Execution:
    """One run of an export (`delivery`): its id, the export as it was, how it went."""

    execution_id: str
    export: dict[str, Any]  # the Export structure at the time it ran
    at: dt.datetime
    status: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.status = {"StatusCode": "DELIVERY_IN_PROCESS", "CreatedAt": self.at,
                       "LastUpdatedAt": self.at}

    def succeed(self) -> None:
        self.status.update({"StatusCode": "DELIVERY_SUCCESS", "CompletedAt": self.at})

    def fail(self, reason: str) -> None:
        self.status.update({"StatusCode": "DELIVERY_FAILURE", "StatusReason": reason,
                            "CompletedAt": self.at})


@dataclass
class Export:
    arn: str
    document: dict[str, Any]  # the Export structure, as GetExport returns it
    created: dt.datetime
    updated: dt.datetime
    status: dict[str, Any] = field(default_factory=dict)
    tags: list[dict[str, str]] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.document["Name"])

    def configuration(self, key: str) -> str:
        configured = (self.document["DataQuery"].get("TableConfigurations") or {}).get(TABLE, {})
        return str(configured.get(key, DEFAULTS.get(key, "")))

    def columns(self) -> list[str]:
        return query_columns(str(self.document["DataQuery"]["QueryStatement"]))


def query_columns(statement: str) -> list[str]:
    found = _QUERY.match(statement)
    if found is None:
        return []
    return [c.strip() for c in found.group("columns").split(",")]


def check_export(document: dict[str, Any]) -> None:
    """ValidationException unless `document` (an Export) is one AWS would take."""
    name = str(document.get("Name", ""))
    if not _NAME.match(name):
        raise ValidationException("Export name must be 1 to 128 characters: letters, digits, "
                                  "hyphens (-) and underscores (_).")
    query = document.get("DataQuery") or {}
    found = _QUERY.match(str(query.get("QueryStatement", "")))
    if found is None:
        raise ValidationException("QueryStatement must be a SQL statement of the form "
                                  "SELECT column, ... FROM table.")
    table = found.group("table").upper()
    if table != TABLE:
        raise ValidationException(f"Table {found.group('table')} does not exist.")
    columns = [c.strip() for c in found.group("columns").split(",")]
    for column in columns:
        if column == "*":
            raise ValidationException("SELECT * is not supported: list the columns.")
        base = column.split(".", 1)[0]
        if base not in COLUMNS or ("." in column and COLUMNS[base] != "map"):
            raise ValidationException(f"Column {column} does not exist in table {TABLE}.")
    configurations = query.get("TableConfigurations") or {}
    for configured_table, settings in configurations.items():
        if configured_table != TABLE:
            raise ValidationException(f"Table {configured_table} does not exist.")
        for key, value in (settings or {}).items():
            allowed = CONFIGURATIONS.get(key)
            if allowed is None:
                raise ValidationException(f"{key} is not a configuration of table {TABLE}.")
            if allowed and value not in allowed:
                raise ValidationException(f"{key} must be one of {', '.join(allowed)}.")
    resources = (configurations.get(TABLE) or {}).get("INCLUDE_RESOURCES", "FALSE")
    if RESOURCE_COLUMN in columns and resources != "TRUE":
        raise ValidationException(f"Column {RESOURCE_COLUMN} requires INCLUDE_RESOURCES = TRUE.")
    destination = ((document.get("DestinationConfigurations") or {}).get("S3Destination") or {})
    for required in ("S3Bucket", "S3Prefix", "S3Region", "S3OutputConfigurations"):
        if required not in destination:
            raise ValidationException(f"S3Destination.{required} is required.")
    output = destination["S3OutputConfigurations"]
    pairs = {("TEXT_OR_CSV", "GZIP"), ("PARQUET", "PARQUET")}
    if (output.get("Format"), output.get("Compression")) not in pairs:
        raise ValidationException("Format and Compression must be TEXT_OR_CSV with GZIP, or "
                                  "PARQUET with PARQUET.")
    if output.get("Format") != "TEXT_OR_CSV":
        raise ValidationException("The simulated account delivers exports as TEXT_OR_CSV with "
                                  "GZIP only (AWS also offers PARQUET).")
    if (document.get("RefreshCadence") or {}).get("Frequency") != "SYNCHRONOUS":
        raise ValidationException("RefreshCadence.Frequency must be SYNCHRONOUS.")


class DataExportsBackend(BaseBackend):
    """The account's exports (Data Exports is a global service, answered in us-east-1)."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.exports: dict[str, Export] = {}

    def create_export(self, document: dict[str, Any], tags: list[dict[str, str]],
                      now: dt.datetime) -> Export:
        check_export(document)
        if any(e.name == document["Name"] for e in self.exports.values()):
            raise ValidationException(f"An export named {document['Name']} already exists.")
        if len(self.exports) >= QUOTA:
            raise ServiceQuotaExceededException()
        arn = (f"arn:aws:bcm-data-exports:us-east-1:{self.account_id}:export/"
               f"{document['Name']}-{mock_random.uuid4()}")
        export = Export(arn, {**document, "ExportArn": arn}, now, now,
                        {"StatusCode": "HEALTHY", "CreatedAt": now, "LastUpdatedAt": now},
                        list(tags))
        self.exports[arn] = export
        return export

    def get_export(self, arn: str) -> Export:
        export = self.exports.get(arn)
        if export is None:
            raise ResourceNotFoundException(arn)
        return export

    def update_export(self, arn: str, document: dict[str, Any], now: dt.datetime) -> Export:
        export = self.get_export(arn)
        if document.get("Name") != export.name:
            raise ValidationException("An export's name cannot be changed.")
        check_export(document)
        export.document = {**document, "ExportArn": arn}
        export.updated = now
        export.status["LastUpdatedAt"] = now
        return export

    def get_execution(self, arn: str, execution_id: str) -> Execution:
        for execution in self.get_export(arn).executions:
            if execution.execution_id == execution_id:
                return execution
        raise ResourceNotFoundException(f"{execution_id} of export {arn}", "Execution")

    def delete_export(self, arn: str) -> None:
        self.get_export(arn)
        del self.exports[arn]


bcmdataexports_backends = BackendDict(DataExportsBackend, "bcm-data-exports",
                                      use_boto3_regions=False, additional_regions=["us-east-1"])
