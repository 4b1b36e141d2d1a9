"""CloudTrail's event history (LookupEvents) as the checks read it, kept between
gradings of the same simulated account so that a grading pages only what is new.

LookupEvents answers newest first, 50 events a page. A simulated account's history
only grows at its newest end, or is cut back there (`grade restart`, a reset, a
rewind, an archive restored: each removes the newest events and keeps the older ones
as they were). So a grading that already holds the history up to some event can stop
paging at the first event it holds: the account's history is what it holds up to and
including that event, then what it paged above it. Event ids are unique (a new event
never takes an old one's id, and a rebuilt account keeps its events' ids), so a held
event found again is the same event at the same place.

Only the simulated account's history is kept: a real account's event history also
loses its oldest end (after 90 days), and `grade` in live mode reads once per process
anyway. What is kept is per account (a server's worker grades many), for the life of
the process, and bounded (`_KEPT` events in all; the account graded longest ago goes
first).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from grader.checks.calls import call
from grader.checks.target import Target

_KEPT = 100_000  # events kept, all accounts together


class _Held:
    """One account's history as last read: `items` oldest first (the history's own
    order, not sorted by time), and each event id's place among them."""

    def __init__(self, ids: list[str], items: list[Any]) -> None:
        self.ids = ids
        self.items = items
        self.places = {event_id: place for place, event_id in enumerate(ids)}


_HELD: OrderedDict[tuple[str, str], _Held] = OrderedDict()


def _newest_first(target: Target) -> Iterator[dict[str, Any]]:
    """The account's management events as LookupEvents gives them, page by page, as
    they are asked for."""
    cloudtrail = target.client("cloudtrail")
    token: str | None = None
    while True:
        args: dict[str, Any] = {"MaxResults": 50}
        if token:
            args["NextToken"] = token
        page = call(cloudtrail, "lookup_events", **args)
        yield from page.get("Events", [])
        token = page.get("NextToken")
        if not token:
            return


def read(target: Target, make: Callable[[dict[str, Any]], Any]) -> list[Any]:
    """`make(record)` of every event in the history (the CloudTrail record of each,
    parsed), oldest first in the history's order. `make` must depend on the record
    only: what it made is kept and given again for the same event."""
    key = (str(target.endpoint), target.account_id) if target.mode == "sandbox" else None
    held = _HELD.get(key) if key else None
    new_ids: list[str] = []
    new_items: list[Any] = []
    kept_until = -1  # the place of the newest held event still in the history
    for event in _newest_first(target):
        event_id = str(event.get("EventId", ""))
        if held is not None and event_id in held.places:
            kept_until = held.places[event_id]
            break
        new_ids.append(event_id)
        new_items.append(make(json.loads(event["CloudTrailEvent"])))
    new_ids.reverse()
    new_items.reverse()
    if held is not None and kept_until >= 0:
        ids = held.ids[:kept_until + 1] + new_ids
        items = held.items[:kept_until + 1] + new_items
    else:
        ids, items = new_ids, new_items
    if key is not None:
        _keep(key, _Held(ids, items))
    return list(items)


def _keep(key: tuple[str, str], held: _Held) -> None:
    _HELD.pop(key, None)
    if len(held.ids) > _KEPT:
        return
    _HELD[key] = held
    while sum(len(h.ids) for h in _HELD.values()) > _KEPT:
        _HELD.popitem(last=False)


def forget() -> None:
    """Drop everything kept (tests that rebuild an account under the same id)."""
    _HELD.clear()
