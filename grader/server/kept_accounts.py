"""The learners' accounts a re-grade worker keeps rebuilt, to judge their next events on.

Rebuilding a learner's account replays and judges every event of their record (about
1.25 ms an event): a learner 10,000 events in would cost 12 s a submission. So a worker
keeps each account it rebuilt, parked (`grader.sandbox.history.parking`: out of moto's tables,
so that no other learner's account can see it), with its record and its judging's memory,
by incarnation; the incarnation's next submission takes it, judges only the events after
the ones it holds (`rebuild.go_on`), and puts it back. A miss (another worker, a restart,
an account pushed out by newer ones, events that cannot go on: `rebuild.CannotGoOn`) is a
full rebuild, which gives the same account (tests/test_regrade_incremental.py proves it).

In memory rather than in the database: a rebuilt account is moto's objects, its record
and the judging's memory; pickling them all is slow, and moto's objects are not promised to
unpickle into a later moto. A miss costs time, never a different verdict.
"""

from __future__ import annotations

import os
import shutil
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CAPACITY = int(os.environ.get("GRADE_SERVER_KEPT_ACCOUNTS", "24"))


@dataclass
class Kept:
    """A rebuilt account, parked: whose (incarnation, identity) and up to which event."""

    incarnation_id: int
    identity: Any  # sandbox.account.Account: the same for the next submission, or a miss
    seq: int  # the last event its record holds
    link: str  # that event's link
    rebuilt: Any  # sandbox.history.rebuild.Rebuilt
    parked: Any  # sandbox.history.parking.Parked
    folder: Path  # where its record lives

    def discard(self) -> None:
        self.rebuilt.app.record.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class KeptAccounts:
    """At most `capacity` kept accounts, the least recently used pushed out first."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[int, Kept] = OrderedDict()

    def take(self, incarnation_id: int) -> Kept | None:
        """The incarnation's kept account, no longer kept (put it back with `keep`)."""
        return self._kept.pop(incarnation_id, None)

    def keep(self, kept: Kept) -> None:
        old = self._kept.pop(kept.incarnation_id, None)
        if old is not None and old is not kept:
            old.discard()
        self._kept[kept.incarnation_id] = kept
        while len(self._kept) > self.capacity:
            _, pushed_out = self._kept.popitem(last=False)
            pushed_out.discard()

    def clear(self) -> None:
        while self._kept:
            self._kept.popitem()[1].discard()

    def __len__(self) -> int:
        return len(self._kept)

    def __contains__(self, incarnation_id: object) -> bool:
        return incarnation_id in self._kept


KEPT = KeptAccounts()  # this process's: re-grades run one at a time (`regrade`'s lock)
