"""GetTrailStatus as AWS answers it: only what happened, at the account's time.

moto reports a "latest delivery" at every status call of a logging trail,
while it delivers nothing. Here a trail's status holds the times logging
started and stopped (the account's clock; every period it logged, for
delivery: `logging_periods`), the times of deliveries and digest deliveries
that really happened and were attempted (`delivered`, `delivery_attempted`,
`digest_delivered`, set by `delivery`; none before) and the last delivery
errors (`delivery_error`, `digest_delivery_error`: `AccessDenied` when the
bucket's policy no longer lets CloudTrail write, `NoSuchBucket` when the
bucket is gone; cleared by the next delivery that succeeds). The shape is
AWS's for a trail that never delivered: the attempt fields are empty strings.

StartLogging and StopLogging act on a trail only from its home Region (the
Region it was created in): from another Region, where a multi-Region trail
also shows, AWS answers `InvalidHomeRegionException`. (`PATCHES`: these, in moto.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from moto.cloudtrail.models import CloudTrailBackend, TrailStatus
from moto.core.exceptions import JsonRESTError
from moto.core.utils import iso_8601_datetime_without_milliseconds, utcnow

from grader.sandbox.moto_patches import replaced_by, replaces


class InvalidHomeRegionException(JsonRESTError):
    code = 400

    def __init__(self, name: str, home: str) -> None:
        super().__init__("InvalidHomeRegionException",
                         f"This operation must be called from the trail's home region "
                         f"({home}); trail {name} was created there.")


def _started(self: TrailStatus) -> None:
    if not self.is_logging:
        logging_periods(self).append([_aware(utcnow()), None])
    self.is_logging = True
    self.started = utcnow()


def _stopped(self: TrailStatus) -> None:
    periods = logging_periods(self)
    if self.is_logging and periods:
        periods[-1][1] = _aware(utcnow())
    self.is_logging = False
    self.stopped = utcnow()


def logging_periods(status: TrailStatus) -> list[list[dt.datetime | None]]:
    """When the trail logged: [started, stopped or None while it still logs], in order
    (the account's time; what delivery reads to know which events the trail logged)."""
    periods: list[list[dt.datetime | None]] | None = getattr(status, "periods", None)
    if periods is None:
        periods = []
        status.periods = periods  # type: ignore[attr-defined]
    return periods


def logged_at(status: TrailStatus, moment: dt.datetime) -> bool:
    """Whether the trail was logging at `moment` (its StartLogging and StopLogging calls
    included: they are the first and last events it logs)."""
    return any(start is not None and start <= moment and (stop is None or moment <= stop)
               for start, stop in logging_periods(status))


def logged_between(status: TrailStatus, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether the trail logged at some moment of [start, end)."""
    return any(began is not None and began < end and (stop is None or stop > start)
               for began, stop in logging_periods(status))


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _iso(moment: dt.datetime | None) -> str:
    return iso_8601_datetime_without_milliseconds(moment) if moment else ""


def _description(self: TrailStatus) -> dict[str, Any]:
    delivered: dt.datetime | None = getattr(self, "delivered", None)
    attempted: dt.datetime | None = getattr(self, "delivery_attempted", None)
    digest: dt.datetime | None = getattr(self, "digest_delivered", None)
    error: str | None = getattr(self, "delivery_error", None)
    digest_error: str | None = getattr(self, "digest_delivery_error", None)
    found: dict[str, Any] = {
        "IsLogging": self.is_logging,
        "LatestDeliveryAttemptTime": _iso(attempted),
        "LatestNotificationAttemptTime": "",
        "LatestNotificationAttemptSucceeded": "",
        "LatestDeliveryAttemptSucceeded": _iso(delivered),
        "TimeLoggingStarted": _iso(self.started),
        "TimeLoggingStopped": _iso(self.stopped),
    }
    for field, moment in (("StartLoggingTime", self.started),
                          ("StopLoggingTime", self.stopped),
                          ("LatestDeliveryTime", delivered),
                          ("LatestDigestDeliveryTime", digest)):
        if moment:  # JSON timestamps are seconds since 1970, as AWS sends them
            found[field] = moment.timestamp()
    if error:
        found["LatestDeliveryError"] = error
    if digest_error:
        found["LatestDigestDeliveryError"] = digest_error
    return found


def _from_home(original: Any) -> Any:
    def act(self: CloudTrailBackend, name: str) -> None:
        from moto.cloudtrail.models import cloudtrail_backends

        if name not in self.trails and not name.startswith("arn:"):
            for region, regional in cloudtrail_backends[self.account_id].items():
                trail = regional.trails.get(name)
                if region != self.region_name and trail is not None \
                        and trail.is_multi_region:
                    raise InvalidHomeRegionException(name, region)
        if name.startswith("arn:") and f":{self.region_name}:" not in name:
            home = name.split(":")[3]
            raise InvalidHomeRegionException(name.rsplit("/", 1)[-1], home)
        original(self, name)

    return act


_BACKEND = "moto.cloudtrail.models:CloudTrailBackend"
_STATUS = "moto.cloudtrail.models:TrailStatus"
PATCHES = (
    replaced_by(_STATUS, "start_logging", _started, shape=("self",)),
    replaced_by(_STATUS, "stop_logging", _stopped, shape=("self",)),
    replaced_by(_STATUS, "description", _description, shape=("self",)),
    replaces(_BACKEND, "start_logging", _from_home, shape=("self", "name")),
    replaces(_BACKEND, "stop_logging", _from_home, shape=("self", "name")),
)
