"""The account's billing set-up, as the checks of 06 see it: Data Exports' exports and their
executions, legacy CUR reports, the buckets they deliver to, budgets with their alerts,
and the report an export delivered first.

Everything is read with the grader's read-only calls (`GRADER_CALLS`), as in a learner's
real account; bucket policies are evaluated (`grader.billing.bucket_policy`), never
pattern-matched.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from grader.billing.bucket_policy import BILLING_REPORTS, DATA_EXPORTS, data_exports_may_write
from grader.checks.buckets import (
    BLOCKS,
    bucket_policy,
    named_principals,
    public_access_block,
)
from grader.checks.calls import call
from grader.checks.target import Target
from grader.policy import Request
from grader.policy.resource import resource_policy_decision

TABLE = "COST_AND_USAGE_REPORT"
RESOURCE_COLUMN = "line_item_resource_id"
# What a report must hold for the questions: which service, when, what it cost.
SERVICE_COLUMNS = ("line_item_product_code", "product_servicecode")
NEEDED_COLUMNS = ("line_item_usage_start_date", "line_item_unblended_cost")
_QUERY = re.compile(r"^\s*SELECT\s+(?P<columns>.+?)\s+FROM\s+(?P<table>\w+)", re.I | re.S)


@dataclass
class Export:
    """A Data Exports export, its bucket and what it delivered."""

    document: dict[str, Any]
    status: dict[str, Any]
    executions: list[dict[str, Any]]
    bucket_exists: bool
    bucket_policy: dict[str, Any] | None
    created_by: str = ""  # "Root", "IAMUser:name", ... ("" when the record does not say)
    bucket_blocks: dict[str, bool] | None = None  # Block Public Access (None: not set)

    @property
    def arn(self) -> str:
        return str(self.document.get("ExportArn", ""))

    @property
    def name(self) -> str:
        return str(self.document.get("Name", ""))

    @property
    def destination(self) -> dict[str, Any]:
        return dict((self.document.get("DestinationConfigurations") or {})
                    .get("S3Destination") or {})

    @property
    def bucket(self) -> str:
        return str(self.destination.get("S3Bucket", ""))

    @property
    def columns(self) -> list[str]:
        found = _QUERY.match(str((self.document.get("DataQuery") or {})
                                 .get("QueryStatement", "")))
        return [c.strip() for c in found.group("columns").split(",")] if found else []

    @property
    def table(self) -> str:
        found = _QUERY.match(str((self.document.get("DataQuery") or {})
                                 .get("QueryStatement", "")))
        return found.group("table").upper() if found else ""

    def configuration(self, key: str, default: str) -> str:
        tables = (self.document.get("DataQuery") or {}).get("TableConfigurations") or {}
        return str((tables.get(TABLE) or {}).get(key, default))

    def folder(self) -> str:
        prefix = str(self.destination.get("S3Prefix") or "").strip("/")
        return f"{prefix}/{self.name}" if prefix else self.name

    def delivered(self) -> list[dict[str, Any]]:
        """Its successful executions, oldest first."""
        done = [e for e in self.executions
                if (e.get("ExecutionStatus") or {}).get("StatusCode") == "DELIVERY_SUCCESS"]
        return sorted(done, key=lambda e: e["ExecutionStatus"].get("CompletedAt")
                      or e["ExecutionStatus"].get("CreatedAt"))


@dataclass
class Budget:
    name: str
    budget_type: str
    time_unit: str
    limit: Decimal
    notifications: list[tuple[dict[str, Any], list[dict[str, Any]]]] = field(default_factory=list)
    actual: Decimal | None = None  # the period's actual spend so far (CalculatedSpend)

    def email_alerts(self, reachable: bool = False) -> list[str]:
        """The e-mail addresses its notifications alert (`reachable`: only those whose
        threshold is at most the budget itself)."""
        return [str(s.get("Address")) for notification, subscribers in self.notifications
                if not reachable or self.threshold(notification) <= self.limit
                for s in subscribers if s.get("SubscriptionType") == "EMAIL"]

    def threshold(self, notification: dict[str, Any]) -> Decimal:
        """The amount a notification fires at."""
        threshold = Decimal(str(notification.get("Threshold", 0)))
        if notification.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE":
            return self.limit * threshold / 100
        return threshold


@dataclass
class Billing:
    account_id: str
    exports: list[Export]
    legacy_reports: list[dict[str, Any]]
    budgets: list[Budget]

    def may_deliver(self, export: Export) -> bool:
        """Whether the export's bucket lets Data Exports write its data and manifest."""
        if not export.bucket_exists:
            return False
        keys = [f"{export.folder()}/data/BILLING_PERIOD=2026-01/{export.name}-00001.csv.gz",
                f"{export.folder()}/metadata/BILLING_PERIOD=2026-01/"
                f"{export.name}-Manifest.json"]
        return data_exports_may_write(export.bucket_policy, self.account_id, export.arn,
                                      export.bucket, keys)

    def public_access(self, export: Export) -> list[str]:
        """What the bucket's policy lets anyone at all do with the reports."""
        return [action for action, named in self._granted(export) if named == "*"]

    def others_with_access(self, export: Export) -> list[str]:
        """Who else (another account, a user or a service the policy names) may read or
        write the reports: "s3:GetObject for arn:aws:iam::111122223333:root"."""
        return [f"{action} for {named}" for action, named in self._granted(export) if named != "*"]

    def blocks_public_access(self, export: Export) -> bool:
        blocks = export.bucket_blocks
        return blocks is not None and all(blocks.get(name) for name in BLOCKS)

    def _granted(self, export: Export) -> list[tuple[str, str]]:
        """(action, who) the policy allows on the reports, who as the policy names them."""
        if export.bucket_policy is None:
            return []
        bucket, key = export.bucket, f"{export.folder()}/data/x.csv.gz"
        probes = [("s3:GetObject", f"arn:aws:s3:::{bucket}/{key}"),
                  ("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
                  ("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}")]
        trusted = {DATA_EXPORTS, BILLING_REPORTS}
        named = named_principals(export.bucket_policy, self.account_id, trusted)
        return [(action, name) for name, principal in named.items()
                for action, resource in probes
                if resource_policy_decision(export.bucket_policy, Request(action, resource, {}),
                                            principal)[0].allowed]


# -- the first report ---------------------------------------------------------------

@dataclass
class Report:
    """The line items of the first report an export delivered, and its last day."""

    rows: list[dict[str, str]]
    last_day: dt.date
    problem: str = ""

    def day_total(self, day: dt.date) -> Decimal:
        return sum((_cost(r) for r in self.rows if _day(r) == day), Decimal(0))

    def by_service(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for row in self.rows:
            service = _service(row)
            totals[service] = totals.get(service, Decimal(0)) + _cost(row)
        return totals


def _cost(row: dict[str, str]) -> Decimal:
    try:
        return Decimal(row.get("line_item_unblended_cost") or "0")
    except InvalidOperation:
        return Decimal(0)


def _day(row: dict[str, str]) -> dt.date | None:
    text = row.get("line_item_usage_start_date") or ""
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _service(row: dict[str, str]) -> str:
    return next((row[c] for c in SERVICE_COLUMNS if row.get(c)), "")


def first_report(target: Target, export: Export) -> Report | None:
    """What the export's first successful delivery held: the rows of its billing period up
    to the day before it ran (the days after came with later deliveries; a settled day
    never changes). None when it has delivered nothing yet."""
    delivered = export.delivered()
    if not delivered:
        return None
    first = delivered[0]["ExecutionStatus"]
    ran = first.get("CompletedAt") or first.get("CreatedAt")
    last_day = (ran - dt.timedelta(days=1)).date()
    period = f"{last_day.year:04d}-{last_day.month:02d}"
    s3 = target.client("s3")
    prefix = f"{export.folder()}/data/BILLING_PERIOD={period}/"
    listed = call(s3, "list_objects_v2", Bucket=export.bucket, Prefix=prefix).get("Contents", [])
    keys = sorted(o["Key"] for o in listed if o["Key"].endswith(".csv.gz"))
    own = [k for k in keys if f"/{delivered[0].get('ExecutionId')}/" in k]
    keys = own or [k for k in keys if k.count("/") == prefix.count("/")]  # overwritten
    if not keys:
        return Report([], last_day, f"no report file under s3://{export.bucket}/{prefix}")
    rows: list[dict[str, str]] = []
    for key in keys:
        body = call(s3, "get_object", Bucket=export.bucket, Key=key)["Body"].read()
        try:
            text = gzip.decompress(body).decode()
        except (OSError, UnicodeDecodeError):
            return Report([], last_day, f"s3://{export.bucket}/{key} is not a gzip CSV file")
        rows.extend(csv.DictReader(io.StringIO(text)))
    kept = [r for r in rows if (day := _day(r)) is not None and day <= last_day]
    return Report(kept, last_day)


# -- collecting -------------------------------------------------------------------------

def collect(target: Target, creators: dict[str, str]) -> Billing:
    """The account's exports, legacy reports and budgets. `creators`: who created each
    export, by name ("Root", "IAMUser:name"), from the account's activity."""
    exports_client = target.client("bcm-data-exports", "us-east-1")
    s3 = target.client("s3")
    exports = []
    for listed in call(exports_client, "list_exports").get("Exports", []):
        got = call(exports_client, "get_export", ExportArn=listed["ExportArn"])
        executions = call(exports_client, "list_executions",
                          ExportArn=listed["ExportArn"]).get("Executions", [])
        document = {**got["Export"], "ExportArn": listed["ExportArn"]}
        bucket = str(((document.get("DestinationConfigurations") or {})
                      .get("S3Destination") or {}).get("S3Bucket", ""))
        exists, policy = bucket_policy(s3, bucket)
        exports.append(Export(document, got.get("ExportStatus") or {}, executions, exists,
                              policy, creators.get(str(document.get("Name")), ""),
                              public_access_block(s3, bucket) if exists else None))
    legacy = call(target.client("cur", "us-east-1"),
                  "describe_report_definitions").get("ReportDefinitions", [])
    budgets_client = target.client("budgets", "us-east-1")
    budgets = []
    for found in call(budgets_client, "describe_budgets",
                      AccountId=target.account_id).get("Budgets", []):
        spent = ((found.get("CalculatedSpend") or {}).get("ActualSpend") or {}).get("Amount")
        budget = Budget(found["BudgetName"], found.get("BudgetType", ""),
                        found.get("TimeUnit", ""),
                        Decimal(str((found.get("BudgetLimit") or {}).get("Amount", "0"))),
                        actual=Decimal(str(spent)) if spent is not None else None)
        for notification in call(budgets_client, "describe_notifications_for_budget",
                                 AccountId=target.account_id,
                                 BudgetName=budget.name).get("Notifications", []):
            plain = {k: v for k, v in notification.items() if k != "NotificationState"}
            subscribers = call(budgets_client, "describe_subscribers_for_notification",
                               AccountId=target.account_id, BudgetName=budget.name,
                               Notification=plain).get("Subscribers", [])
            budget.notifications.append((notification, subscribers))
        budgets.append(budget)
    return Billing(target.account_id, exports, legacy, budgets)
