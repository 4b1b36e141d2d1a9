"""Budgets as AWS keeps them: only the caller's account, notifications and subscribers
checked, listed, changed; spend and alert state from the account's bill; an alert e-mailed
when a settled day crosses the threshold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Course, client
from tests.test_export_deliveries import settle_a_day_of_this_month

NOTIFICATION = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN",
                "Threshold": 80.0, "ThresholdType": "PERCENTAGE"}
EMAIL = {"SubscriptionType": "EMAIL", "Address": "billing@example.com"}


def budget(amount: str = "10", name: str = "monthly-cost") -> dict[str, Any]:
    return {"BudgetName": name, "BudgetType": "COST", "TimeUnit": "MONTHLY",
            "BudgetLimit": {"Amount": amount, "Unit": "USD"}}


def code_of(call: Any, **params: Any) -> str:
    with pytest.raises(ClientError) as error:
        call(**params)
    return str(error.value.response["Error"]["Code"])


def test_budgets_notifications_and_subscribers(fresh: Course) -> None:
    budgets = client(fresh.sandbox_env(), "budgets")
    account = fresh.account()["account_id"]
    other = "111122223333" if account != "111122223333" else "444455556666"
    assert code_of(budgets.create_budget, AccountId=other, Budget=budget()) == \
        "AccessDeniedException"
    assert code_of(budgets.create_budget, AccountId=account, Budget={
        **budget(), "BudgetName": "a:b"}) == "InvalidParameterException"
    eleven = [{"SubscriptionType": "EMAIL", "Address": f"a{n}@example.com"} for n in range(11)]
    assert code_of(budgets.create_budget, AccountId=account, Budget=budget(),
                   NotificationsWithSubscribers=[{"Notification": NOTIFICATION,
                                                  "Subscribers": eleven}]) == \
        "InvalidParameterException", "at most 10 e-mail addresses"
    budgets.create_budget(AccountId=account, Budget=budget(), NotificationsWithSubscribers=[
        {"Notification": NOTIFICATION, "Subscribers": [EMAIL]}])
    assert code_of(budgets.create_notification, AccountId=account, BudgetName="monthly-cost",
                   Notification=NOTIFICATION, Subscribers=[EMAIL]) == "DuplicateRecordException"
    listed = budgets.describe_subscribers_for_notification(
        AccountId=account, BudgetName="monthly-cost", Notification=NOTIFICATION)
    assert listed["Subscribers"] == [EMAIL]
    other_mail = {"SubscriptionType": "EMAIL", "Address": "finance@example.com"}
    budgets.create_subscriber(AccountId=account, BudgetName="monthly-cost",
                              Notification=NOTIFICATION, Subscriber=other_mail)
    assert code_of(budgets.create_subscriber, AccountId=account, BudgetName="monthly-cost",
                   Notification=NOTIFICATION, Subscriber={
                       "SubscriptionType": "EMAIL", "Address": "not-an-address"}) == \
        "InvalidParameterException"
    budgets.delete_subscriber(AccountId=account, BudgetName="monthly-cost",
                              Notification=NOTIFICATION, Subscriber=EMAIL)
    assert budgets.describe_subscribers_for_notification(
        AccountId=account, BudgetName="monthly-cost",
        Notification=NOTIFICATION)["Subscribers"] == [other_mail]
    budgets.update_budget(AccountId=account, NewBudget=budget("25"))
    assert budgets.describe_budget(AccountId=account, BudgetName="monthly-cost")[
        "Budget"]["BudgetLimit"]["Amount"] in ("25", "25.0")


def test_spend_and_alerts_come_from_the_bill(fresh: Course) -> None:
    env = fresh.sandbox_env()
    account = fresh.account()["account_id"]
    client(env, "kms").create_key(Description="orders")
    client(env, "sqs").create_queue(QueueName="orders")
    budgets = client(env, "budgets")
    budgets.create_budget(AccountId=account, Budget=budget("0.01"), NotificationsWithSubscribers=[
        {"Notification": NOTIFICATION, "Subscribers": [EMAIL]}])
    states = budgets.describe_notifications_for_budget(AccountId=account,
                                                      BudgetName="monthly-cost")
    assert states["Notifications"][0]["NotificationState"] == "OK"
    settle_a_day_of_this_month(fresh)
    spent = budgets.describe_budget(AccountId=account, BudgetName="monthly-cost")[
        "Budget"]["CalculatedSpend"]["ActualSpend"]
    assert Decimal(spent["Amount"]) > 0 and spent["Unit"] == "USD"
    states = budgets.describe_notifications_for_budget(AccountId=account,
                                                      BudgetName="monthly-cost")
    assert states["Notifications"][0]["NotificationState"] == "ALARM"
    inbox = fresh.grade("sandbox", "inbox")
    assert "AWS Budgets: monthly-cost has exceeded your alert threshold" in inbox.stdout
    assert inbox.stdout.count("to billing@example.com") == 1, "once per period"


def test_budget_alerts_come_back_the_same_after_a_restart(home: Course) -> None:
    """In an account of its own: in the shared one, reset after other tests' keys and days,
    no alert came in 2 of 3 full runs (a reset's leftover state: see the session notes)."""
    from tests.test_mfa import restart

    assert home.grade("sandbox", "start").returncode == 0
    try:
        env = home.sandbox_env()
        account = home.account()["account_id"]
        client(env, "kms").create_key(Description="orders")
        client(env, "budgets").create_budget(
            AccountId=account, Budget=budget("0.01"),
            NotificationsWithSubscribers=[{"Notification": NOTIFICATION,
                                           "Subscribers": [EMAIL]}])
        settle_a_day_of_this_month(home)
        before = home.grade("sandbox", "inbox", "--json").stdout
        assert "monthly-cost" in before
        restart(home)
        assert home.grade("sandbox", "inbox", "--json").stdout == before
    finally:
        home.grade("sandbox", "stop")


class _Bill:
    """A bill of one dollar a settled day (what `models.spend` reads of a bill)."""

    def __init__(self, days: list[dt.date]) -> None:
        self.days: dict[dt.date, list[object]] = {day: [] for day in days}

    def total(self, days: list[dt.date]) -> Decimal:
        return Decimal(len(days))


def test_a_months_last_day_counts_for_that_month() -> None:
    """At a month's last midnight the day settled is the month's, though the clock is
    already in the next: its alert must be judged on the month's spend, not on $0."""
    from grader.sandbox.services.budgets import models

    november = [dt.date(2026, 11, d) for d in range(1, 31)]
    bill = _Bill(november)
    actual, forecast = models.spend(bill, "MONTHLY", dt.date(2026, 12, 1),  # type: ignore[arg-type]
                                    settled=dt.date(2026, 11, 30))
    assert (actual, forecast) == (Decimal(30), Decimal(30))
    half = _Bill(november[:15])
    mid = models.spend(half, "MONTHLY", dt.date(2026, 11, 16),  # type: ignore[arg-type]
                       settled=dt.date(2026, 11, 15))
    assert mid == (Decimal(15), Decimal(30))  # $15 in 15 days: $30 for the month
