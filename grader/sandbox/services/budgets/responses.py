"""Budgets' calls moto lacks or gets wrong, on moto's `BudgetsResponse` (`PATCHES`)."""

from __future__ import annotations

import json
from typing import Any

from moto.budgets.exceptions import NotFoundException
from moto.budgets.models import Budget
from moto.budgets.responses import BudgetsResponse

from grader.sandbox.moto_patches import ACTION, adds, replaces
from grader.sandbox.services.budgets.models import (
    check_account,
    check_budget,
    check_notification,
    check_subscribers,
)


def _budget(response: BudgetsResponse) -> Budget:
    account = str(response._get_param("AccountId"))
    name = str(response._get_param("BudgetName"))
    found = response.backend.budgets[account].get(name)
    if found is None:
        raise NotFoundException(f"Unable to get budget: {name} - the budget doesn't exist.")
    return found


def _notification(budget: Budget, details: dict[str, Any]) -> Any:
    for notification in budget.notifications:
        if _same(notification.details, details):
            return notification
    raise NotFoundException("Unable to find the notification: it does not exist.")


def _same(one: dict[str, Any], other: dict[str, Any]) -> bool:
    keys = ("NotificationType", "ComparisonOperator", "Threshold")
    return (all(one.get(k) == other.get(k) for k in keys)
            and one.get("ThresholdType", "PERCENTAGE") == other.get("ThresholdType",
                                                                    "PERCENTAGE"))


def describe_subscribers_for_notification(self: BudgetsResponse) -> str:
    notification = _notification(_budget(self), self._get_param("Notification"))
    return json.dumps({"Subscribers": notification.subscribers})


def create_subscriber(self: BudgetsResponse) -> str:
    notification = _notification(_budget(self), self._get_param("Notification"))
    subscriber = self._get_param("Subscriber")
    if subscriber in notification.subscribers:
        from moto.budgets.exceptions import DuplicateRecordException

        raise DuplicateRecordException("subscriber", str(subscriber.get("Address")))
    check_subscribers([*notification.subscribers, subscriber])
    notification.subscribers.append(subscriber)
    return "{}"


def delete_subscriber(self: BudgetsResponse) -> str:
    notification = _notification(_budget(self), self._get_param("Notification"))
    subscriber = self._get_param("Subscriber")
    if subscriber not in notification.subscribers:
        raise NotFoundException("Unable to find the subscriber: it does not exist.")
    notification.subscribers.remove(subscriber)
    return "{}"


def update_subscriber(self: BudgetsResponse) -> str:
    notification = _notification(_budget(self), self._get_param("Notification"))
    old, new = self._get_param("OldSubscriber"), self._get_param("NewSubscriber")
    if old not in notification.subscribers:
        raise NotFoundException("Unable to find the subscriber: it does not exist.")
    changed = [new if s == old else s for s in notification.subscribers]
    check_subscribers(changed)
    notification.subscribers[:] = changed
    return "{}"


def update_notification(self: BudgetsResponse) -> str:
    budget = _budget(self)
    notification = _notification(budget, self._get_param("OldNotification"))
    new = self._get_param("NewNotification")
    check_notification(new)
    notification.details = new
    return "{}"


def update_budget(self: BudgetsResponse) -> str:
    account = str(self._get_param("AccountId"))
    new = self._get_param("NewBudget")
    found = self.backend.budgets[account].get(str(new.get("BudgetName")))
    if found is None:
        raise NotFoundException(f"Unable to update budget: {new.get('BudgetName')} - the "
                                "budget doesn't exist.")
    check_budget(new)
    kept: dict[str, Any] = {k: found.budget[k] for k in ("TimePeriod", "LastUpdatedTime")
                            if k in found.budget}
    found.budget = {**kept, **new}
    return "{}"


def _account_checked(method: Any) -> Any:
    def checked(self: BudgetsResponse) -> str:
        check_account(self.current_account, str(self._get_param("AccountId")))
        return str(method(self))

    checked.__name__ = method.__name__
    return checked


ADDED = (describe_subscribers_for_notification, create_subscriber, delete_subscriber,
         update_subscriber, update_notification, update_budget)
MOTOS = ("create_budget", "describe_budget", "describe_budgets", "delete_budget",
         "create_notification", "delete_notification", "describe_notifications_for_budget")


_RESPONSE = "moto.budgets.responses:BudgetsResponse"
# Every Budgets action checks the account it names: moto's, and those added here.
PATCHES = (
    *(adds(_RESPONSE, method.__name__, _account_checked(method)) for method in ADDED),
    *(replaces(_RESPONSE, name, _account_checked, shape=ACTION) for name in MOTOS),
)
