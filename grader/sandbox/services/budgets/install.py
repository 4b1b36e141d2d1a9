"""Put `models`' rules in front of moto's Budgets backend and `responses`' calls on its
API (`PATCHES`); alert the subscribers as the bill settles each day (`attach`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from moto.budgets.exceptions import DuplicateRecordException
from moto.budgets.models import BudgetsBackend
from moto.core.utils import utcnow

from grader.sandbox.moto_patches import replaces
from grader.sandbox.services.budgets import models, responses

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp
    from grader.sandbox.services.billing.bill import Bill


def _today() -> dt.date:
    return utcnow().date()  # moto's time is frozen at the request's (the account's) time


def _create_budget(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_budget(self: BudgetsBackend, account_id: str, budget: dict[str, Any],
                      notifications: list[dict[str, Any]]) -> None:
        models.check_budget(budget)
        if len(notifications) > models.MAX_NOTIFICATIONS:
            raise models.CreationLimitExceededException(
                f"A budget has at most {models.MAX_NOTIFICATIONS} notifications.")
        for entry in notifications:
            models.check_notification(entry.get("Notification") or {})
            models.check_subscribers(entry.get("Subscribers") or [])
        original(self, account_id, budget, notifications)

    return create_budget


def _create_notification(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_notification(self: BudgetsBackend, account_id: str, budget_name: str,
                            notification: dict[str, Any],
                            subscribers: list[dict[str, Any]]) -> None:
        models.check_notification(notification)
        models.check_subscribers(subscribers)
        budget = self.budgets[account_id].get(budget_name)
        if budget is not None:
            if any(responses._same(n.details, notification) for n in budget.notifications):
                raise DuplicateRecordException("notification", budget_name)
            if len(budget.notifications) >= models.MAX_NOTIFICATIONS:
                raise models.CreationLimitExceededException(
                    f"A budget has at most {models.MAX_NOTIFICATIONS} notifications.")
        original(self, account_id, budget_name, notification, subscribers)

    return create_notification


def _with_spend(self: BudgetsBackend, account_id: str, shown: dict[str, Any]) -> dict[str, Any]:
    if shown.get("BudgetType") == "COST":
        shown["CalculatedSpend"] = models.calculated_spend(account_id, shown, _today())
    return shown


def _describe_budget(original: Callable[..., Any]) -> Callable[..., Any]:
    def describe_budget(self: BudgetsBackend, account_id: str, budget_name: str) -> Any:
        return _with_spend(self, account_id, original(self, account_id, budget_name))

    return describe_budget


def _describe_budgets(original: Callable[..., Any]) -> Callable[..., Any]:
    def describe_budgets(self: BudgetsBackend, account_id: str) -> Any:
        return [_with_spend(self, account_id, b) for b in original(self, account_id)]

    return describe_budgets


def _describe_notifications(original: Callable[..., Any]) -> Callable[..., Any]:
    def describe_notifications_for_budget(self: BudgetsBackend, account_id: str,
                                          budget_name: str) -> Any:
        budget = self.budgets[account_id].get(budget_name)
        if budget is None:
            from moto.budgets.exceptions import NotFoundException

            raise NotFoundException(f"Unable to get budget: {budget_name} - the budget "
                                    "doesn't exist.")
        shown = _with_spend(self, account_id, budget.to_dict())
        actual = Decimal(shown["CalculatedSpend"]["ActualSpend"]["Amount"])
        forecast = Decimal(shown["CalculatedSpend"]["ForecastedSpend"]["Amount"])
        limit = models.budget_limit(shown)
        return [{**n, "NotificationState": "ALARM" if models.crossed(n, limit, actual, forecast)
                 else "OK"} for n in original(self, account_id, budget_name)]

    return describe_notifications_for_budget


_BACKEND = "moto.budgets.models:BudgetsBackend"
PATCHES = (
    replaces(_BACKEND, "create_budget", _create_budget,
             shape=("self", "account_id", "budget", "notifications")),
    replaces(_BACKEND, "create_notification", _create_notification,
             shape=("self", "account_id", "budget_name", "notification", "subscribers")),
    replaces(_BACKEND, "describe_budget", _describe_budget,
             shape=("self", "account_id", "budget_name")),
    replaces(_BACKEND, "describe_budgets", _describe_budgets, shape=("self", "account_id")),
    replaces(_BACKEND, "describe_notifications_for_budget", _describe_notifications,
             shape=("self", "account_id", "budget_name")),
    *responses.PATCHES,
)


# -- alerts -----------------------------------------------------------------------

class Alerts:
    """When a settled day makes a notification cross its threshold, tell its subscribers
    (once per notification and budget period)."""

    def __init__(self, app: SandboxApp, bill: Bill) -> None:
        self.app = app
        self.bill = bill
        self.sent: set[tuple[str, str, dt.date]] = set()

    def forget(self) -> None:
        from grader.sandbox.services.sns.models import forget_mail

        self.sent.clear()
        forget_mail(self.app.account.account_id)

    def __call__(self, day: dt.date, midnight: dt.datetime) -> None:
        from moto.budgets.models import budgets_backends

        account_id = self.app.account.account_id
        if account_id not in budgets_backends or "aws" not in budgets_backends[account_id]:
            return
        backend = budgets_backends[account_id]["aws"]
        for name, budget in sorted(backend.budgets[account_id].items()):
            shown = budget.to_dict()
            if shown.get("BudgetType") != "COST":
                continue
            unit = str(shown.get("TimeUnit", "MONTHLY"))
            actual, forecast = models.spend(self.bill, unit, day + dt.timedelta(days=1),
                                            settled=day)
            period_start, _ = models.period_bounds(unit, day)
            limit = models.budget_limit(shown)
            for notification in budget.notifications:
                details = notification.details
                place = (name, repr(sorted(details.items())), period_start)
                if place in self.sent or not models.crossed(details, limit, actual, forecast):
                    continue
                self.sent.add(place)
                subject, body = models.alert_text(account_id, name, details, limit, actual,
                                                  forecast)
                self._tell(cast(list[dict[str, Any]], notification.subscribers), subject, body,
                           midnight)

    def _tell(self, subscribers: list[dict[str, Any]], subject: str, body: str,
              midnight: dt.datetime) -> None:
        import time_machine
        from moto.moto_api._internal import mock_random
        from moto.sns.models import sns_backends

        from grader.sandbox.services.sns.models import Mail, deliver_mail

        account_id = self.app.account.account_id
        place = hashlib.sha256(f"{self.app.account.seed}|{subject}|{midnight}".encode())
        for subscriber in subscribers:
            address = str(subscriber.get("Address"))
            if subscriber.get("SubscriptionType") == "EMAIL":
                deliver_mail(account_id, Mail(midnight.isoformat(), address, subject, body,
                                              "", place.hexdigest()[:36]))
                continue
            parts = address.split(":")
            if len(parts) < 6 or parts[4] != account_id:
                continue
            topic = sns_backends[account_id][parts[3]].topics.get(address)
            if topic is not None and models.topic_lets_budgets_publish(topic, account_id):
                mock_random.seed(int.from_bytes(place.digest()[:8], "big"))
                with time_machine.travel(midnight, tick=False):
                    topic.publish(body, subject)


def attach(app: SandboxApp, bill: Bill) -> None:
    alerts = Alerts(app, bill)
    bill.on_day_settled.append(alerts)
    app.on_start_over.append(alerts.forget)
