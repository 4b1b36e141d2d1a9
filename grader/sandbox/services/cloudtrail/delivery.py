"""CloudTrail's deliveries: log files every 5 minutes, digests every hour.

While a trail logs, CloudTrail delivers the events it logged to the trail's
bucket, a log file per Region about every 5 minutes, and, with log file
validation on, a signed digest per Region every hour. Here that happens
as the account's time passes (`SandboxApp.pass_time`: before each
request, after each `grade sandbox advance`, and for each event of the
record replayed), at fixed marks of the account's clock: every 5 minutes
(:00, :05, ...) a log file per Region with the trail's events since its
last delivery there (`log_files`), every hour (:00) a digest per Region
(`digests`), written into the account's S3 as CloudTrail writes them, at
the time of the mark.

What gets delivered depends only on the record and the account's time:
the events of the record, which the trail logged (its logging periods,
Regions and selectors: `grader.cloudtrail.selectors`), and the account's state at the mark
(the trail's bucket and prefix, the bucket's policy). Replaying the record
therefore delivers the very same files, byte for byte: the account's time
only moves forward, so every mark falls due before any later event is
made, whether a request, an advance or a replayed event brings it.

As in AWS, a delivery is refused when the bucket's policy no longer lets
CloudTrail write the file (`LatestDeliveryError` `AccessDenied`) or the
bucket is gone (`NoSuchBucket`); the events wait and go with the next
delivery that works. Digests are written for the trail's home Region and
every Region where it has delivered a log file (AWS writes one for every
Region a multi-Region trail covers, even idle ones: leaving idle Regions out
keeps a long `advance` quick and changes no validation). A digest names the
one before it only when that one came an hour earlier; after a gap (logging
stopped, validation off, a refused digest) a new chain starts, which
`validate-logs` reports as a gap, not as tampering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grader.cloudtrail import selectors
from grader.cloudtrail.bucket_policy import OWNER_FULL_CONTROL, cloudtrail_may_write
from grader.sandbox.history.record import Event
from grader.sandbox.services.cloudtrail import digests, log_files
from grader.sandbox.services.cloudtrail.digests import DeliveredDigest, DeliveredLog
from grader.sandbox.services.cloudtrail.events import cloudtrail_record, event_time
from grader.sandbox.services.cloudtrail.signing_keys import key_for
from grader.sandbox.services.cloudtrail.status import logged_at, logged_between, logging_periods
from grader.sandbox.services.s3.models import bucket_policy, write_as_service

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp

LOG_FILE_EVERY = dt.timedelta(minutes=5)
DIGEST_EVERY = dt.timedelta(hours=1)


@dataclass
class RegionDeliveries:
    """What one trail has delivered in one Region."""

    through: dt.datetime  # the Region's events before this moment are delivered
    logs: list[DeliveredLog] = field(default_factory=list)  # since the last digest
    digest: DeliveredDigest | None = None  # the last digest delivered


@dataclass
class TrailDeliveries:
    """What one trail has delivered: the marks it has passed, and per Region."""

    passed: dt.datetime  # the last 5-minute mark the trail has been delivered at
    regions: dict[str, RegionDeliveries] = field(default_factory=dict)


def mark_before(moment: dt.datetime) -> dt.datetime:
    """The last 5-minute mark of the clock at or before `moment`."""
    moment = moment.astimezone(dt.UTC)
    return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


class Deliveries:
    """CloudTrail's deliveries in one simulated account: call it as time passes."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.next_mark: dt.datetime | None = None  # the first mark not yet delivered at

    def forget(self) -> None:
        """The account started over: its trails (and what they delivered) are gone."""
        self.next_mark = None

    def __call__(self, moment: dt.datetime) -> None:
        last = mark_before(moment)
        if self.next_mark is None:  # the account's first moment: no trail yet
            self.next_mark = last + LOG_FILE_EVERY
            return
        if last < self.next_mark:
            return
        first = self.next_mark
        self.next_mark = last + LOG_FILE_EVERY
        for trail in self._trails():
            if logging_periods(trail.status):
                self._deliver(trail, first, last)

    def _trails(self) -> list[Any]:
        from moto.cloudtrail.models import cloudtrail_backends

        found: list[Any] = []
        for region in sorted(cloudtrail_backends[self.app.account.account_id].keys()):
            backend = cloudtrail_backends[self.app.account.account_id][region]
            found.extend(backend.trails[name] for name in sorted(backend.trails))
        return found

    # -- one trail ------------------------------------------------------------

    def _deliver(self, trail: Any, first: dt.datetime, last: dt.datetime) -> None:
        state: TrailDeliveries | None = getattr(trail, "deliveries", None)
        if state is None:  # made since the last mark delivered at
            state = TrailDeliveries(passed=first - LOG_FILE_EVERY)
            trail.deliveries = state
        if state.passed >= last:
            return
        since = min([state.passed, *(r.through for r in state.regions.values())])
        pending = {region: _Pending(events)
                   for region, events in self._logged_events(trail, since, last).items()}
        for mark in _marks(state.passed + LOG_FILE_EVERY, last):
            for region, waiting in pending.items():
                self._deliver_logs(trail, state, region, waiting, mark)
            if mark.minute == 0:
                self._deliver_digests(trail, state, mark)
            state.passed = mark

    def _logged_events(self, trail: Any, since: dt.datetime,
                       until: dt.datetime) -> dict[str, list[tuple[dt.datetime, Event]]]:
        """The events the trail logged in [since, until), by Region, oldest first."""
        found: dict[str, list[tuple[dt.datetime, Event]]] = {}
        for event in self.app.record.events("event_time >= ? AND event_time < ?",
                                            (since.isoformat(), until.isoformat()),
                                            without_request=True):
            moment = event_time(event)
            if not since <= moment < until or not logged_at(trail.status, moment):
                continue
            if selectors.covers_region(trail, event) and selectors.wants(trail, event):
                found.setdefault(event.region, []).append((moment, event))
        for events in found.values():
            events.sort(key=lambda pair: pair[0])
        return found

    def _deliver_logs(self, trail: Any, state: TrailDeliveries, region: str,
                      waiting: _Pending, mark: dt.datetime) -> None:
        """A log file of the Region's events not yet delivered, if there are any."""
        regional = state.regions.get(region)
        if regional is None:
            regional = state.regions[region] = RegionDeliveries(through=state.passed)
        due = waiting.due(regional.through, mark)
        if not due:
            regional.through = max(regional.through, mark)
            return
        account_id = self.app.account.account_id
        unique = log_files.unique_part(self.app.account.seed, trail.arn, region, mark)
        key = log_files.log_file_key(trail.s3_key_prefix, account_id, region, mark, unique)
        trail.status.delivery_attempted = mark
        refused = self._refusal(trail, key)
        if refused:  # the events wait for the next delivery that works
            trail.status.delivery_error = refused
            return
        body = log_files.log_file_body([cloudtrail_record(e, account_id) for _, e in due])
        write_as_service(self.app.account, trail.bucket_name, key,
                         log_files.compressed(body, mark), mark, acl=OWNER_FULL_CONTROL)
        regional.through = mark
        regional.logs.append(DeliveredLog(trail.bucket_name, key, log_files.sha256(body),
                                          due[0][0], due[-1][0]))
        trail.status.delivered = mark
        trail.status.delivery_error = None

    def _deliver_digests(self, trail: Any, state: TrailDeliveries, end: dt.datetime) -> None:
        if not trail.log_validation:  # logs delivered meanwhile are never digested
            for regional in state.regions.values():
                regional.logs.clear()
            return
        state.regions.setdefault(trail.region_name, RegionDeliveries(through=state.passed))
        for region in sorted(state.regions):
            regional = state.regions[region]
            if not regional.logs and not logged_between(trail.status, end - DIGEST_EVERY, end):
                continue
            self._deliver_digest(trail, region, regional, end)

    def _deliver_digest(self, trail: Any, region: str, regional: RegionDeliveries,
                        end: dt.datetime) -> None:
        account = self.app.account
        previous = regional.digest
        if previous is not None and previous.end != end - DIGEST_EVERY:
            previous = None  # a gap: a new chain starts
        bucket = trail.bucket_name
        key = digests.digest_key(trail.s3_key_prefix, account.account_id, region,
                                 trail.trail_name, trail.region_name, end)
        refused = self._refusal(trail, key)
        if refused:
            trail.status.digest_delivery_error = refused
            return
        signing_key = key_for(account.seed, account.opened, region, end)
        start = previous.end if previous else end - DIGEST_EVERY
        body = digests.digest_body(account.account_id, bucket, key, start, end,
                                   signing_key.fingerprint, regional.logs, previous)
        signature = signing_key.sign(digests.string_to_sign(end, bucket, key, body, previous))
        write_as_service(self.app.account, bucket, key, log_files.compressed(body, end), end,
                         digests.metadata(signature), OWNER_FULL_CONTROL)
        regional.digest = DeliveredDigest(bucket, key, log_files.sha256(body), signature, end)
        regional.logs = []
        trail.status.digest_delivered = end
        trail.status.digest_delivery_error = None

    # -- the bucket -------------------------------------------------------------

    def _refusal(self, trail: Any, key: str) -> str | None:
        """Why CloudTrail may not write `key` to the trail's bucket now (None: it may)."""
        from moto.s3.models import s3_backends

        try:
            s3_backends[self.app.account.account_id]["aws"].get_bucket(trail.bucket_name)
        except Exception:
            return "NoSuchBucket"
        policy = bucket_policy(self.app.account.account_id, trail.bucket_name)
        if not cloudtrail_may_write(policy, self.app.account.account_id, trail.region_name,
                                    trail.trail_name, trail.bucket_name, key):
            return "AccessDenied"
        return None


class _Pending:
    """A Region's logged events, oldest first, and where the undelivered ones begin."""

    def __init__(self, events: list[tuple[dt.datetime, Event]]) -> None:
        self.events = events
        self.start = 0
        self.end = 0  # marks only move forward: so does the end of what is due

    def due(self, since: dt.datetime, mark: dt.datetime) -> list[tuple[dt.datetime, Event]]:
        """The events in [since, mark): what a delivery at `mark` carries."""
        while self.start < len(self.events) and self.events[self.start][0] < since:
            self.start += 1
        self.end = max(self.end, self.start)
        while self.end < len(self.events) and self.events[self.end][0] < mark:
            self.end += 1
        return self.events[self.start:self.end]


def _marks(first: dt.datetime, last: dt.datetime) -> Iterator[dt.datetime]:
    mark = first
    while mark <= last:
        yield mark
        mark += LOG_FILE_EVERY
