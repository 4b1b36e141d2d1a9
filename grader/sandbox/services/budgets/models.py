"""Budgets as AWS keeps them: the caller's own account, checked alerts, spend from the bill.

moto's Budgets stores whatever it is given, under whatever `AccountId` the
request names, and says a budget has spent nothing. Here, as in AWS:

- a request about another account's budgets is refused (`AccessDeniedException`);
- a budget needs a name without `:` or `\\`, a known type and time unit, and a
  cost budget a limit in USD (`InvalidParameterException`);
- a notification needs a positive threshold (at most 1,000 percent: AWS's
  own bound is higher, but a learner's 8000 means 80) and 1 to 11
  subscribers: at most 10 e-mail addresses and 1 SNS topic, each well-formed;
  at most 10 notifications a budget; the same notification twice is a
  `DuplicateRecordException`;
- subscribers can be listed, added, changed and removed
  (DescribeSubscribersForNotification, Create/Update/DeleteSubscriber), and
  budgets and notifications changed (UpdateBudget, UpdateNotification);
- `CalculatedSpend` is the account's bill (`grader.sandbox.services.billing.bill`) for
  the budget's current period (its settled days), the forecast that spend
  carried to the period's end at the same daily rate, and each notification's
  `NotificationState` is `ALARM` once its threshold is crossed;
- when a settled day makes a notification cross its threshold, AWS Budgets
  e-mails its subscribers (into the account's inbox, `grade sandbox inbox`)
  and publishes to its SNS topic, if the topic's policy lets
  `budgets.amazonaws.com` publish.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from moto.core.exceptions import JsonRESTError

from grader.sandbox.services.billing.bill import Bill, bill_of

SERVICE = "budgets.amazonaws.com"
TYPES = ("COST", "USAGE", "RI_UTILIZATION", "RI_COVERAGE", "SAVINGS_PLANS_UTILIZATION",
         "SAVINGS_PLANS_COVERAGE")
TIME_UNITS = ("DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY")
MAX_NOTIFICATIONS = 10
MAX_EMAILS = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TOPIC = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")


class InvalidParameterException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterException", message)


class AccessDeniedException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("AccessDeniedException", message)


class CreationLimitExceededException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("CreationLimitExceededException", message)


def check_account(caller_account: str, named: str) -> None:
    if named != caller_account:
        raise AccessDeniedException(
            f"Account {caller_account} is not allowed to access the budgets of account {named}.")


def check_budget(budget: dict[str, Any]) -> None:
    name = str(budget.get("BudgetName", ""))
    if not 1 <= len(name) <= 100 or ":" in name or "\\" in name:
        raise InvalidParameterException("BudgetName must be 1 to 100 characters, without : "
                                        "or \\.")
    if budget.get("BudgetType") not in TYPES:
        raise InvalidParameterException(f"BudgetType must be one of {', '.join(TYPES)}.")
    if budget.get("TimeUnit") not in TIME_UNITS:
        raise InvalidParameterException(f"TimeUnit must be one of {', '.join(TIME_UNITS)}.")
    limit = budget.get("BudgetLimit")
    if budget.get("BudgetType") == "COST" and limit is not None:
        if limit.get("Unit") != "USD":
            raise InvalidParameterException("A cost budget's limit is in USD.")
        if _decimal(limit.get("Amount"), "BudgetLimit.Amount") <= 0:
            raise InvalidParameterException("BudgetLimit.Amount must be more than 0.")


def check_notification(notification: dict[str, Any]) -> None:
    threshold = notification.get("Threshold")
    if not isinstance(threshold, int | float) or threshold <= 0:
        raise InvalidParameterException("Threshold must be a number more than 0.")
    if notification.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE" and threshold > 1000:
        raise InvalidParameterException("A percentage Threshold is at most 1000 (80 means 80%).")


def check_subscribers(subscribers: list[dict[str, Any]]) -> None:
    emails = [s for s in subscribers if s.get("SubscriptionType") == "EMAIL"]
    topics = [s for s in subscribers if s.get("SubscriptionType") == "SNS"]
    if not subscribers or len(emails) > MAX_EMAILS or len(topics) > 1:
        raise InvalidParameterException("A notification has 1 to 11 subscribers: up to 10 "
                                        "e-mail addresses and 1 SNS topic.")
    for subscriber in emails:
        if not _EMAIL.match(str(subscriber.get("Address", ""))):
            raise InvalidParameterException(
                f"{subscriber.get('Address')!r} is not an e-mail address.")
    for subscriber in topics:
        if not _TOPIC.match(str(subscriber.get("Address", ""))):
            raise InvalidParameterException(
                f"{subscriber.get('Address')!r} is not an SNS topic's ARN.")


def _decimal(value: Any, what: str) -> Decimal:
    try:
        return Decimal(str(value))
    except Exception:
        raise InvalidParameterException(f"{what} must be a number.") from None


# -- spend ---------------------------------------------------------------------

def period_bounds(time_unit: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The budget period containing `today`: [first day, first day of the next)."""
    if time_unit == "DAILY":
        return today, today + dt.timedelta(days=1)
    if time_unit == "ANNUALLY":
        return dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1)
    first_month = today.month if time_unit == "MONTHLY" else (today.month - 1) // 3 * 3 + 1
    start = dt.date(today.year, first_month, 1)
    months = 1 if time_unit == "MONTHLY" else 3
    end_month = first_month + months
    end = dt.date(today.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, end


def spend(bill: Bill | None, time_unit: str, today: dt.date,
          settled: dt.date | None = None) -> tuple[Decimal, Decimal]:
    """(actual, forecasted) cost of the period containing `today`, from the settled days;
    `settled`: the day just settled, whose period it is (at a month's last midnight,
    `today` is already the next month's first day, but the day settled is the month's)."""
    start, end = period_bounds(time_unit, settled or today)
    if bill is None:
        return Decimal(0), Decimal(0)
    days = [day for day in bill.days if start <= day < end]
    actual = bill.total(days).quantize(Decimal("0.01"))
    elapsed = (min(settled + dt.timedelta(days=1) if settled else today, end) - start).days
    if elapsed <= 0:
        return actual, actual
    forecast = (actual / elapsed * (end - start).days).quantize(Decimal("0.01"))
    return actual, forecast


def threshold_amount(notification: dict[str, Any], limit: Decimal) -> Decimal:
    threshold = Decimal(str(notification["Threshold"]))
    if notification.get("ThresholdType", "PERCENTAGE") == "PERCENTAGE":
        return limit * threshold / 100
    return threshold


def crossed(notification: dict[str, Any], limit: Decimal, actual: Decimal,
            forecast: Decimal) -> bool:
    amount = forecast if notification.get("NotificationType") == "FORECASTED" else actual
    bound = threshold_amount(notification, limit)
    operator = notification.get("ComparisonOperator", "GREATER_THAN")
    if operator == "LESS_THAN":
        return amount < bound
    if operator == "EQUAL_TO":
        return amount == bound
    return amount > bound


def budget_limit(budget: dict[str, Any]) -> Decimal:
    return Decimal(str((budget.get("BudgetLimit") or {}).get("Amount", "0")))


def calculated_spend(account_id: str, budget: dict[str, Any],
                     today: dt.date) -> dict[str, Any]:
    actual, forecast = spend(bill_of(account_id), str(budget.get("TimeUnit", "MONTHLY")), today)
    return {"ActualSpend": {"Amount": str(actual), "Unit": "USD"},
            "ForecastedSpend": {"Amount": str(forecast), "Unit": "USD"}}


def alert_text(account_id: str, name: str, notification: dict[str, Any], limit: Decimal,
               actual: Decimal, forecast: Decimal) -> tuple[str, str]:
    kind = notification.get("NotificationType", "ACTUAL")
    subject = f"AWS Budgets: {name} has exceeded your alert threshold"
    amount = forecast if kind == "FORECASTED" else actual
    body = "\n".join([
        "AWS Budget Notification",
        f"AWS Account {account_id}",
        "",
        f"Budget Name: {name}",
        f"Budgeted Amount: ${limit:.2f}",
        f"Alert Type: {kind}",
        f"Alert Threshold: > ${threshold_amount(notification, limit):.2f}",
        f"{kind.title()} Amount: ${amount:.2f}",
    ])
    return subject, body


def topic_lets_budgets_publish(topic: Any, account_id: str) -> bool:
    from grader.policy import Principal, Request
    from grader.policy.resource import resource_policy_decision

    principal = Principal(arn="", account_id=account_id, service=SERVICE)
    decision, _ = resource_policy_decision(json.loads(topic.policy), Request(
        "sns:Publish", topic.arn, {"aws:SourceAccount": account_id}), principal)
    return bool(decision.allowed)
