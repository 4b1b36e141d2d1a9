"""Checks for 06-billing-reports: billing access turned on by root, then, by the IAM admin
user, a CUR 2.0 export to a bucket that lets Data Exports deliver (and nobody else in), the
export delivered, a cost budget that e-mails, and answers read from the first report.

Any names pass, and any way of doing it (the AWS CLI, boto3, a notebook, the console for
root's switch). The bucket's policy is evaluated as S3 would for Data Exports
(`grader.billing.bucket_policy`); the answers are compared with the report the export
actually delivered (`grader.checks.billing.first_report`).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from grader.billing.products import product_named
from grader.checks import check
from grader.checks.activity import Activity
from grader.checks.answers import LearnerAnswers
from grader.checks.billing import (
    NEEDED_COLUMNS,
    RESOURCE_COLUMN,
    SERVICE_COLUMNS,
    TABLE,
    Billing,
    Export,
    first_report,
)
from grader.checks.inbox import Mail
from grader.checks.target import Target

NO_EXPORT = "the account has no Data Exports export"


def export_problems(export: Export) -> list[str]:
    """What keeps `export` from being the CUR 2.0 export the exercise asks for."""
    found = []
    if export.table != TABLE:
        found.append(f"it queries {export.table or 'no table'}, not {TABLE} (CUR 2.0)")
    if export.configuration("INCLUDE_RESOURCES", "FALSE") != "TRUE":
        found.append("it does not include resource ids (INCLUDE_RESOURCES = TRUE)")
    elif RESOURCE_COLUMN not in export.columns:
        found.append(f"its query does not select {RESOURCE_COLUMN}")
    if export.configuration("TIME_GRANULARITY", "HOURLY") not in ("HOURLY", "DAILY"):
        found.append("its granularity is MONTHLY: choose DAILY or HOURLY")
    missing = [c for c in NEEDED_COLUMNS if c not in export.columns]
    if not any(c in export.columns for c in SERVICE_COLUMNS):
        missing.append(" or ".join(SERVICE_COLUMNS))
    if missing:
        found.append(f"its query does not select {', '.join(missing)}")
    return found


def good_exports(billing: Billing) -> list[Export]:
    return [e for e in billing.exports if not export_problems(e)]


def chosen(billing: Billing) -> list[Export]:
    """The exports with the required settings; if none has them, every export."""
    return good_exports(billing) or billing.exports


@check(
    id="billing-access-turned-on-by-root",
    title="Root turned on IAM user and role access to billing information",
    why="Until root does, no IAM user, not even an administrator, can see what the account "
        "costs: everyone would need root for billing, which is what this course removes.",
    hint="As root, once: `grade console billing-access enable --password ROOT_PASSWORD` (in "
         "AWS: the console's Account page, \"IAM user and role access to Billing "
         "information\", Activate).",
)
def test_billing_access_turned_on_by_root(activity: list[Activity]) -> None:
    changes = [a for a in activity if a.name == "UpdateIAMAccessPreference" and a.succeeded]
    assert changes, "IAM access to billing information has never been turned on"
    last = changes[-1]
    preference = str(last.parameters.get("iamAccessPreference", ""))
    assert preference == "ENABLED", f"it was turned off again ({last.describe()})"
    assert last.by_root, f"it was changed by {last.identity_type}, not by root"


@check(
    id="cur2-export",
    title="A Data Exports (CUR 2.0) export with resource ids, daily or hourly",
    why="CUR 2.0 is the report AWS maintains today; with resource ids each line says which "
        "bucket, key or queue cost what, and daily or hourly lines show when it started.",
    hint="`aws bcm-data-exports create-export` (us-east-1) with a query on "
         "COST_AND_USAGE_REPORT that selects line_item_resource_id, line_item_product_code, "
         "line_item_usage_start_date and line_item_unblended_cost, and TableConfigurations "
         "INCLUDE_RESOURCES = TRUE and TIME_GRANULARITY = DAILY or HOURLY.",
)
def test_cur2_export(billing: Billing) -> None:
    if not billing.exports and billing.legacy_reports:
        names = ", ".join(str(r.get("ReportName")) for r in billing.legacy_reports)
        raise AssertionError(
            f"{names} is a legacy Cost and Usage Report (`aws cur`), not a Data Exports export: "
            "AWS keeps CUR 2.0 (`aws bcm-data-exports`) up to date, with a fixed schema, and "
            "recommends it for every new report")
    assert billing.exports, NO_EXPORT
    problems = {e.name: export_problems(e) for e in billing.exports}
    assert any(not found for found in problems.values()), "; ".join(
        f"export {name}: {', '.join(found)}" for name, found in problems.items())


@check(
    id="export-bucket-locked-down",
    title="The export's bucket lets Data Exports deliver, and is not public",
    why="A bucket Data Exports may not write to gets no report (the export turns "
        "UNHEALTHY); one anyone may read hands your bill, with every resource id, to anyone.",
    hint="A bucket policy that allows s3:PutObject and s3:GetBucketPolicy to the service "
         "principal bcm-data-exports.amazonaws.com, limited with aws:SourceAccount and "
         "aws:SourceArn (the lesson's policy); nothing for \"*\"; Block Public Access on.",
)
def test_export_bucket_locked_down(billing: Billing) -> None:
    assert billing.exports, NO_EXPORT
    problems = []
    for export in chosen(billing):
        if not export.bucket_exists:
            problems.append(f"the bucket {export.bucket} of export {export.name} does not exist")
        elif not billing.may_deliver(export):
            legacy = (export.bucket_policy and "billingreports.amazonaws.com"
                      in str(export.bucket_policy)) or False
            problems.append(
                f"the policy of {export.bucket} does not let Data Exports "
                "(bcm-data-exports.amazonaws.com) write the reports of export "
                f"{export.name}" + (": billingreports.amazonaws.com is the legacy CUR's "
                                    "service, Data Exports has its own" if legacy else ""))
        elif public := billing.public_access(export):
            problems.append(f"the policy of {export.bucket} lets anyone {', '.join(public)}")
        elif others := billing.others_with_access(export):
            problems.append(f"the policy of {export.bucket} also allows {', '.join(others)}")
        elif not billing.blocks_public_access(export):
            problems.append(f"the bucket {export.bucket} does not block public access (all four "
                            "Block Public Access settings)")
        else:
            return
    raise AssertionError("; ".join(problems))


@check(
    id="export-delivered",
    title="The export has delivered a report",
    why="An export is only as good as its last delivery: a report that never arrives, or "
        "stopped arriving, shows nothing.",
    hint="Exports deliver once a day, after midnight UTC: `grade sandbox advance 1d`, then "
         "`aws bcm-data-exports list-executions --export-arn ARN`.",
)
def test_export_delivered(billing: Billing) -> None:
    assert billing.exports, NO_EXPORT
    problems = []
    for export in chosen(billing):
        status = export.status
        if status.get("StatusCode") == "UNHEALTHY":
            problems.append(f"export {export.name} is UNHEALTHY "
                            f"({status.get('StatusReason', 'no reason given')})")
        elif not export.delivered():
            problems.append(f"export {export.name} has delivered nothing yet (it delivers once "
                            "a day, after midnight UTC of the account's time)")
        else:
            return
    raise AssertionError("; ".join(problems))


@check(
    id="billing-set-up-by-admin",
    title="The export and the budget were made by your IAM admin user, not by root",
    why="Billing needs root only for the switch that opens it to IAM; doing the rest as root "
        "is the everyday use of root this course is about ending.",
    hint="Work as your IAM admin user (`aws sts get-caller-identity`); delete what root made "
         "and make it again as the user.",
)
def test_billing_set_up_by_admin(billing: Billing, activity: list[Activity]) -> None:
    assert billing.exports, NO_EXPORT
    made = [a for a in activity if a.succeeded and a.name in ("CreateExport", "CreateBudget")]
    by_root = [a for a in made if a.behind_root]
    assert not by_root, "made by root: " + ", ".join(a.describe() for a in by_root)
    assert any(a.name == "CreateExport" for a in made), \
        "the account's history does not show who created the export"


@check(
    id="cost-budget-email-alert",
    title="A cost budget e-mails someone when it is crossed",
    why="A report tells you what happened; a budget tells you while it is happening, before "
        "a leaked key's crypto-mining becomes next month's surprise.",
    hint="`aws budgets create-budget --account-id ACCOUNT --budget file://budget.json "
         "--notifications-with-subscribers file://alerts.json`: BudgetType COST, TimeUnit "
         "MONTHLY, a notification with a threshold and an EMAIL subscriber.",
)
def test_cost_budget_email_alert(billing: Billing) -> None:
    assert billing.budgets, "the account has no budget"
    cost = [b for b in billing.budgets if b.budget_type == "COST"]
    assert cost, "no budget is a cost budget (BudgetType COST)"
    monthly = [b for b in cost if b.time_unit == "MONTHLY"]
    assert monthly, f"budget {cost[0].name} is not monthly (TimeUnit MONTHLY)"
    assert any(b.notifications for b in monthly), \
        f"budget {monthly[0].name} has no notification: it will never tell anyone"
    assert any(b.email_alerts() for b in monthly), \
        f"the notifications of budget {monthly[0].name} have no e-mail subscriber"
    assert any(b.email_alerts(reachable=True) for b in monthly), \
        f"the e-mail alerts of budget {monthly[0].name} fire only beyond the budget itself " \
        "(a threshold above 100% of it): too late to act"


ALERT_SUBJECT = "AWS Budgets: {name} has exceeded your alert threshold"


@check(
    id="budget-alert-arrived",
    title="Your budget's e-mail alert has arrived",
    why="An alert protects you only if it reaches someone: one whose threshold the bill never "
        "crosses, or that goes to no one, stays silent on the day that matters. Seeing the "
        "first one arrive is how you know yours works.",
    hint="Choose a limit this month's bill crosses soon (a $1 monthly budget with an alert at "
         "80% of actual spend, say: `aws budgets describe-budgets` shows what the month cost "
         "so far). AWS Budgets sends the e-mail after a midnight UTC, from the day's settled "
         "costs: `grade sandbox advance 1d` (again, until it arrives), then "
         "`grade sandbox inbox`.",
)
def test_budget_alert_arrived(billing: Billing, inbox: list[Mail] | None) -> None:
    alerting = [b for b in billing.budgets if b.budget_type == "COST" and b.email_alerts()]
    assert alerting, "no cost budget has an e-mail alert: none can arrive"
    if inbox is None:  # a real account: AWS sends the mail, and says ALARM once it has
        assert any(n.get("NotificationState") == "ALARM"
                   for b in alerting for n, subscribers in b.notifications
                   if any(s.get("SubscriptionType") == "EMAIL" for s in subscribers)), \
            f"the e-mail alerts of budget {alerting[0].name} have not fired yet (none is in " \
            "ALARM): the month's bill has not crossed their threshold"
        return
    problems = []
    for budget in alerting:
        subject = ALERT_SUBJECT.format(name=budget.name)
        addresses = set(budget.email_alerts())
        if any(m.from_budgets and m.subject == subject and m.to in addresses for m in inbox):
            return
        lowest = min(budget.threshold(n) for n, subscribers in budget.notifications
                     if any(s.get("SubscriptionType") == "EMAIL" for s in subscribers))
        said = f"no e-mail from AWS Budgets about budget {budget.name} has reached " \
               f"{', '.join(sorted(addresses))} (`grade sandbox inbox`)"
        if budget.actual is not None and budget.actual > lowest:
            said += f": this month's spend (${budget.actual:.2f}) is past its alert " \
                    f"(${lowest:.2f}); the e-mail comes after the next midnight UTC " \
                    "(`grade sandbox advance 1d`)"
        elif budget.actual is not None:
            said += f": this month's spend so far is ${budget.actual:.2f}, and its first " \
                    f"alert fires above ${lowest:.2f}; choose a limit the bill crosses, then " \
                    "let a midnight pass (`grade sandbox advance 1d`)"
        problems.append(said)
    raise AssertionError("; ".join(problems))


def _amount(text: str) -> Decimal | None:
    """An amount as a learner writes it: "0.42", "$0.42", "0.42 USD", "1,234.5", or with a
    decimal comma, "0,42"."""
    cleaned = text.strip().lstrip("$").removesuffix("USD").strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned and len(cleaned.rsplit(",", 1)[1]) != 3:
        cleaned = cleaned.replace(",", ".")
    try:
        return Decimal(cleaned.replace(",", ""))
    except InvalidOperation:
        return None


@check(
    id="first-report-answers",
    title="You read the first report: the service that cost most, and its last day's total",
    why="A report nobody reads protects nothing: knowing which service drives the bill, and "
        "what a normal day costs, is how you notice the day that is not.",
    hint="Open the .csv.gz file the export delivered first; sum line_item_unblended_cost by "
         "line_item_product_code, and over the rows of its last day. Answer in "
         "exercises/06-billing-reports/answers.toml: top-service = \"AmazonS3\" (for "
         "example) and day-total = \"0.4213\" (USD).",
)
def test_first_report_answers(billing: Billing, answers: LearnerAnswers,
                              target: Target) -> None:
    delivered = [e for e in chosen(billing) if e.delivered()]
    assert delivered, "no export has delivered a report yet: there is nothing to read"
    report = first_report(target, delivered[0])
    assert report is not None and not report.problem, report.problem if report else ""
    assert report.rows, f"the first report of {delivered[0].name} has no line items"
    assert not answers.problem, answers.problem
    totals = report.by_service()
    top = max(totals, key=lambda service: totals[service])
    said = product_named(answers.values["top-service"])
    assert (said is not None and said.code == top) or answers.values["top-service"] == top, \
        f"top-service = {answers.values['top-service']!r}: that is not the service that cost " \
        "most in the first report"
    amount = _amount(answers.values["day-total"])
    assert amount is not None, f"day-total = {answers.values['day-total']!r} is not an amount"
    expected = report.day_total(report.last_day)
    assert abs(amount - expected) <= max(Decimal("0.005"), expected / 100), \
        f"day-total = {answers.values['day-total']!r} is not what the report's last day " \
        f"({report.last_day}) cost"
