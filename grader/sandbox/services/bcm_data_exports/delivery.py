"""Data Exports' deliveries: the month's bill, to the export's bucket, once a day.

When the bill settles a day (`grader.sandbox.services.billing.bill`, at midnight UTC
of the account's time), every export made before that midnight runs: an
execution (ListExecutions, GetExecution) that writes the billing period's
line items so far, with the export's columns and table configurations, to

    <prefix>/<export-name>/data/BILLING_PERIOD=YYYY-MM/<export-name>-00001.csv.gz
    <prefix>/<export-name>/metadata/BILLING_PERIOD=YYYY-MM/<export-name>-Manifest.json

(AWS Data Exports User Guide, "Understanding export delivery"), replacing the
previous files with OVERWRITE_REPORT, or, with CREATE_NEW_REPORT, in a folder
of their own per execution. Before writing, the bucket's policy is evaluated
for `bcm-data-exports.amazonaws.com` (s3:GetBucketPolicy on the bucket,
s3:PutObject on each file, with aws:SourceArn = the export's ARN and
aws:SourceAccount): if it does not allow them, or the bucket is gone, the
execution fails (`DELIVERY_FAILURE`, `INSUFFICIENT_PERMISSION`) and the export
turns `UNHEALTHY` until a delivery works again.

What a delivery writes depends only on the bill and the export as they stand
at that midnight, so a replayed account delivers the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from grader.billing.bucket_policy import data_exports_may_write
from grader.sandbox.services.bcm_data_exports.models import (
    COLUMNS,
    RESOURCE_COLUMN,
    Execution,
    Export,
    bcmdataexports_backends,
)
from grader.sandbox.services.billing.bill import DAY, Bill, billing_period
from grader.sandbox.services.billing.usage import Usage
from grader.sandbox.services.s3.models import bucket_policy, write_as_service

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp

def export_folder(export: Export) -> str:
    destination = export.document["DestinationConfigurations"]["S3Destination"]
    prefix = str(destination.get("S3Prefix") or "").strip("/")
    return f"{prefix}/{export.name}" if prefix else export.name


def data_key(export: Export, period: str, execution_folder: str = "") -> str:
    folder = f"{export_folder(export)}/data/BILLING_PERIOD={period}"
    if execution_folder:
        folder += f"/{execution_folder}"
    return f"{folder}/{export.name}-00001.csv.gz"


def manifest_key(export: Export, period: str, execution_folder: str = "") -> str:
    folder = f"{export_folder(export)}/metadata/BILLING_PERIOD={period}"
    if execution_folder:
        folder += f"/{execution_folder}"
    return f"{folder}/{export.name}-Manifest.json"


def may_deliver(account_id: str, export: Export, keys: list[str]) -> bool:
    """Whether the export's bucket exists and its policy lets Data Exports write `keys`."""
    bucket = export.document["DestinationConfigurations"]["S3Destination"]["S3Bucket"]
    try:
        policy = bucket_policy(account_id, bucket)
    except Exception:  # no such bucket
        return False
    return data_exports_may_write(policy, account_id, export.arn, bucket, keys)


# -- the rows -------------------------------------------------------------------

def _money(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0.0"


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Row:
    """One line item of the export: usage summed over a time interval (and resource)."""

    def __init__(self, first: Usage, start: dt.datetime, end: dt.datetime,
                 with_resource: bool) -> None:
        self.first = first
        self.start, self.end = start, end
        self.resource_id = first.resource_id if with_resource else ""
        self.amount = Decimal(0)
        self.cost = Decimal(0)

    def add(self, usage: Usage) -> None:
        self.amount += usage.amount
        self.cost += usage.cost


def rows(usage: list[Usage], granularity: str, with_resources: bool) -> list[Row]:
    """The line items of `usage` at the export's granularity, with or without resource ids."""
    grouped: dict[tuple[Any, ...], Row] = {}
    for item in usage:
        if granularity == "HOURLY":
            start, end = item.start, item.end
        elif granularity == "DAILY":
            start = item.start.replace(hour=0)
            end = start + DAY
        else:  # MONTHLY
            start = item.start.replace(day=1, hour=0)
            end = (start + dt.timedelta(days=32)).replace(day=1)
        resource = item.resource_id if with_resources else ""
        key = (start, item.meter.product.code, item.usage_type, item.meter.operation,
               item.region, resource)
        row = grouped.get(key)
        if row is None:
            row = grouped[key] = Row(item, start, end, with_resources)
        row.add(item)
    return sorted(grouped.values(), key=lambda r: (r.start, r.first.meter.product.code,
                                                  r.first.usage_type, r.resource_id))


def _value(column: str, row: Row, account_id: str, period_start: dt.datetime,
           period_end: dt.datetime, line_id: str) -> str:
    usage, meter = row.first, row.first.meter
    product = meter.product
    simple: dict[str, Callable[[], str]] = {
        "bill_bill_type": lambda: "Anniversary",
        "bill_billing_entity": lambda: "AWS",
        "bill_billing_period_start_date": lambda: _stamp(period_start),
        "bill_billing_period_end_date": lambda: _stamp(period_end),
        "bill_invoicing_entity": lambda: "Amazon Web Services, Inc.",
        "bill_payer_account_id": lambda: account_id,
        "identity_line_item_id": lambda: line_id,
        "identity_time_interval": lambda: f"{_stamp(row.start)}/{_stamp(row.end)}",
        "line_item_availability_zone": lambda: "",
        "line_item_blended_cost": lambda: _money(row.cost),
        "line_item_blended_rate": lambda: _money(meter.rate),
        "line_item_currency_code": lambda: "USD",
        "line_item_legal_entity": lambda: "Amazon Web Services, Inc.",
        "line_item_line_item_description": lambda: meter.description,
        "line_item_line_item_type": lambda: "Usage",
        "line_item_net_unblended_cost": lambda: _money(row.cost),
        "line_item_normalized_usage_amount": lambda: "0.0",
        "line_item_operation": lambda: meter.operation,
        "line_item_product_code": lambda: product.code,
        RESOURCE_COLUMN: lambda: row.resource_id,
        "line_item_unblended_cost": lambda: _money(row.cost),
        "line_item_unblended_rate": lambda: _money(meter.rate),
        "line_item_usage_account_id": lambda: account_id,
        "line_item_usage_amount": lambda: _money(row.amount),
        "line_item_usage_start_date": lambda: _stamp(row.start),
        "line_item_usage_end_date": lambda: _stamp(row.end),
        "line_item_usage_type": lambda: usage.usage_type,
        "pricing_currency": lambda: "USD",
        "pricing_public_on_demand_cost": lambda: _money(row.cost),
        "pricing_public_on_demand_rate": lambda: _money(meter.rate),
        "pricing_purchase_option": lambda: "OnDemand",
        "pricing_term": lambda: "OnDemand",
        "pricing_unit": lambda: meter.unit,
        "product": lambda: json.dumps({"product_name": product.name,
                                       "region": usage.region}, separators=(",", ":")),
        "product_location_type": lambda: "AWS Region",
        "product_operation": lambda: meter.operation,
        "product_region_code": lambda: usage.region,
        "product_servicecode": lambda: product.code,
        "product_usagetype": lambda: usage.usage_type,
        "resource_tags": lambda: "{}",
        "cost_category": lambda: "{}",
        "discount": lambda: "{}",
    }
    if column in simple:
        return simple[column]()
    base, _, key = column.partition(".")
    if key and base == "product":
        return {"product_name": product.name, "region": usage.region}.get(key, "")
    return "0.0" if COLUMNS.get(base) == "double" else ""


def report_csv(export: Export, usage: list[Usage], account_id: str, period: str) -> bytes:
    """The export's file for `period`: its columns, as CSV, gzip-compressed (no timestamp
    in the gzip header, so the same bill gives the same bytes)."""
    columns = export.columns()
    start = dt.datetime.strptime(period + "-01", "%Y-%m-%d").replace(tzinfo=dt.UTC)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    resources = export.configuration("INCLUDE_RESOURCES") == "TRUE"
    for number, row in enumerate(rows(usage, export.configuration("TIME_GRANULARITY"),
                                      resources)):
        line_id = hashlib.sha256(f"{export.arn}|{period}|{number}".encode()).hexdigest()[:26]
        writer.writerow([_value(c, row, account_id, start, end, line_id) for c in columns])
    return gzip.compress(text.getvalue().encode(), mtime=0)


# -- the deliveries ---------------------------------------------------------------

class Deliveries:
    """Run every export once a day, when the bill settles the day."""

    def __init__(self, app: SandboxApp, bill: Bill) -> None:
        self.app = app
        self.bill = bill

    def __call__(self, day: dt.date, midnight: dt.datetime) -> None:
        account_id = self.app.account.account_id
        if account_id not in bcmdataexports_backends:
            return
        backend = bcmdataexports_backends[account_id]["us-east-1"]
        for export in list(backend.exports.values()):
            if export.created < midnight:
                self._run(export, billing_period(day), midnight)

    def _run(self, export: Export, period: str, midnight: dt.datetime) -> None:
        account_id = self.app.account.account_id
        place = hashlib.sha256(f"{self.app.account.seed}|{export.arn}|{midnight}".encode())
        execution_id = place.hexdigest()[:32]
        overwrite = (export.document["DestinationConfigurations"]["S3Destination"]
                     ["S3OutputConfigurations"].get("Overwrite", "OVERWRITE_REPORT"))
        folder = "" if overwrite == "OVERWRITE_REPORT" else execution_id
        keys = [data_key(export, period, folder), manifest_key(export, period, folder)]
        execution = Execution(execution_id, json.loads(json.dumps(export.document)), midnight)
        export.executions.append(execution)
        if not may_deliver(account_id, export, keys):
            execution.fail("INSUFFICIENT_PERMISSION")
            export.status.update({"StatusCode": "UNHEALTHY",
                                  "StatusReason": "INSUFFICIENT_PERMISSION"})
            return
        usage = self.bill.usage(self.bill.settled_in(period))
        bucket = export.document["DestinationConfigurations"]["S3Destination"]["S3Bucket"]
        data = report_csv(export, usage, account_id, period)
        write_as_service(self.app.account, bucket, keys[0], data, midnight)
        manifest = {
            "executionId": execution_id, "exportArn": export.arn, "exportName": export.name,
            "billingPeriod": period, "deliveredAt": _stamp(midnight),
            "columns": [{"name": c, "type": COLUMNS.get(c.split(".")[0], "string")}
                        for c in export.columns()],
            "dataFiles": [f"s3://{bucket}/{keys[0]}"],
        }
        write_as_service(self.app.account, bucket, keys[1], json.dumps(manifest, indent=2).encode(),
                     midnight)
        execution.succeed()
        export.status.pop("StatusReason", None)
        export.status.update({"StatusCode": "HEALTHY", "LastRefreshedAt": midnight})


def attach(app: SandboxApp, bill: Bill) -> None:
    deliveries = Deliveries(app, bill)
    bill.on_day_settled.append(deliveries)

