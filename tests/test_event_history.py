"""What the checks keep of a simulated account's event history between gradings
(`grader.checks.event_history`): a grading that pages only down to the newest event it
holds sees exactly what reading the whole history would, whatever happened to the
account in between: events added, the record cut back (`grade restart`, a reset) and
added to again, an older archive restored, another account graded at the same address.
A real account's history (live mode) is never kept."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from grader.checks import event_history


class History:
    """A simulated account's event history as LookupEvents answers it (newest first, 50 a
    page); counts the pages it gave."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []  # oldest first
        self.pages = 0

    def add(self, count: int) -> None:
        for _ in range(count):
            event_id = str(uuid.uuid4())
            self.events.append({"EventId": event_id, "CloudTrailEvent": json.dumps(
                {"eventID": event_id, "eventName": random.choice(["GetUser", "TagUser"])})})

    def lookup_events(self, MaxResults: int, NextToken: str | None = None,
                      ) -> dict[str, Any]:
        self.pages += 1
        newest_first = self.events[::-1]
        start = int(NextToken or 0)
        page: dict[str, Any] = {"Events": newest_first[start:start + MaxResults]}
        if start + MaxResults < len(newest_first):
            page["NextToken"] = str(start + MaxResults)
        return page


class Account:
    """What `read` needs of a `Target`: its mode, address, account id and clients."""

    def __init__(self, history: History, account_id: str = "111122223333",
                 mode: str = "sandbox") -> None:
        self.history, self.account_id, self.mode = history, account_id, mode
        self.endpoint = "http://127.0.0.1:4566"

    def client(self, service: str) -> History:
        assert service == "cloudtrail"
        return self.history


@pytest.fixture(autouse=True)
def nothing_kept() -> Iterator[None]:
    event_history.forget()
    yield
    event_history.forget()


def _ids(account: Account) -> list[str]:
    read = event_history.read(account, lambda record: record)  # type: ignore[arg-type]
    return [record["eventID"] for record in read]


def _truth(history: History) -> list[str]:
    return [event["EventId"] for event in history.events]


def test_a_second_grading_pages_only_what_is_new() -> None:
    history = History()
    history.add(1000)
    account = Account(history)
    assert _ids(account) == _truth(history)
    assert history.pages == 20
    history.add(30)
    history.pages = 0
    assert _ids(account) == _truth(history)
    assert history.pages == 1  # the 30 new events and the newest one held


def test_a_record_cut_back_and_added_to_is_read_as_it_is_now() -> None:
    history = History()
    history.add(300)
    account = Account(history)
    _ids(account)
    del history.events[120:]  # `grade restart`: the newest events are gone
    history.add(7)  # the start-over mark, and new work
    assert _ids(account) == _truth(history)
    del history.events[100:]  # cut back again, nothing added (an archive restored)
    assert _ids(account) == _truth(history)


def test_whatever_happens_between_gradings_the_read_is_the_whole_history() -> None:
    chance = random.Random(7)
    history = History()
    account = Account(history)
    for _ in range(200):
        what = chance.random()
        if what < 0.6:
            history.add(chance.randint(0, 80))
        elif what < 0.9:
            del history.events[chance.randint(0, len(history.events)):]
            history.add(chance.randint(0, 3))
        else:  # a new account: nothing of the old history
            history.events.clear()
            history.add(chance.randint(0, 60))
        assert _ids(account) == _truth(history)


def test_each_account_is_kept_apart_and_live_accounts_are_not_kept() -> None:
    first, second = History(), History()
    first.add(120)
    second.add(60)
    one, other = Account(first, "111111111111"), Account(second, "222222222222")
    assert _ids(one) == _truth(first) and _ids(other) == _truth(second)
    first.pages = 0
    assert _ids(one) == _truth(first) and first.pages == 1
    real = History()
    real.add(120)
    live = Account(real, "333333333333", mode="live")
    _ids(live)
    real.pages = 0
    assert _ids(live) == _truth(real) and real.pages == 3  # read whole each time


def test_what_is_kept_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_history, "_KEPT", 100)
    first, second = History(), History()
    first.add(70)
    second.add(70)
    one, other = Account(first, "111111111111"), Account(second, "222222222222")
    _ids(one)
    _ids(other)  # both would be 140 events: the first account's go
    first.pages = 0
    assert _ids(one) == _truth(first) and first.pages == 2
