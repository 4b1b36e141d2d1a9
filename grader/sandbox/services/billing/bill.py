"""The account's bill: a day's usage is settled when the day ends (UTC).

As the account's time passes midnight (`SandboxApp.pass_time`: before each
request, after each `grade sandbox advance`, for each event replayed), the
day just ended is settled: every resource billed at that moment
(`resources`) is charged, hour by hour, for the hours of that day it
existed (`usage`). What a day costs therefore depends only on the record
and the account's seed, so a restarted or re-graded account has the same
bill. (A resource deleted during a day is not charged for that day: the
bill sees the account as it stands at midnight.)

Whatever else happens once a day, after the day is settled (Data Exports'
deliveries, budgets' alerts), hangs on `Bill.on_day_settled`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from grader.sandbox.services.billing.resources import billed_resources
from grader.sandbox.services.billing.usage import Usage, hourly_usage

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp

DAY = dt.timedelta(days=1)
BILLS: dict[str, Bill] = {}  # by account id: the bills of the accounts this process serves


def midnight_before(moment: dt.datetime) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def billing_period(day: dt.date) -> str:
    """The billing period a day belongs to, as AWS names it: "2026-11"."""
    return f"{day.year:04d}-{day.month:02d}"


class Bill:
    """One account's settled days, and what happens when a day is settled."""

    def __init__(self, account_id: str, seed: int) -> None:
        self.account_id = account_id
        self.seed = seed
        self.days: dict[dt.date, list[Usage]] = {}
        self.next_midnight: dt.datetime | None = None  # the first midnight not yet settled
        # Called with (the day settled, the midnight that ended it).
        self.on_day_settled: list[Callable[[dt.date, dt.datetime], None]] = []

    def forget(self) -> None:
        """The account started over (`grade sandbox reset`): nothing is billed yet."""
        self.days.clear()
        self.next_midnight = None

    def __call__(self, moment: dt.datetime) -> None:
        last = midnight_before(moment)
        if self.next_midnight is None:  # the account's first moment
            self.next_midnight = last + DAY
            return
        while self.next_midnight <= last:
            midnight = self.next_midnight
            self.next_midnight = midnight + DAY
            self._settle((midnight - DAY).date(), midnight)

    def _settle(self, day: dt.date, midnight: dt.datetime) -> None:
        usage: list[Usage] = []
        for resource in billed_resources(self.account_id):
            if resource.created < midnight:
                usage.extend(hourly_usage(self.seed, resource, day))
        self.days[day] = usage
        for hook in self.on_day_settled:
            hook(day, midnight)

    # -- reading it ------------------------------------------------------------

    def settled_in(self, period: str) -> list[dt.date]:
        """The period's settled days, in order."""
        return sorted(day for day in self.days if billing_period(day) == period)

    def usage(self, days: list[dt.date]) -> list[Usage]:
        return [item for day in days for item in self.days.get(day, [])]

    def total(self, days: list[dt.date]) -> Decimal:
        return sum((item.cost for item in self.usage(days)), Decimal(0))


def bill_of(account_id: str) -> Bill | None:
    return BILLS.get(account_id)


def attach(app: SandboxApp) -> Bill:
    """Settle `app`'s account's days as its time passes."""
    bill = Bill(app.account.account_id, app.account.seed)
    BILLS[app.account.account_id] = bill
    app.on_time_passing.append(bill)
    app.on_start_over.append(bill.forget)
    return bill
