"""GetTrailStatus as AWS answers it: only what happened, at the account's time.

moto reports a "latest delivery" at every status call of a logging trail,
while it delivers nothing. Here a trail's status holds the times logging
started and stopped (the account's clock) and the times of deliveries and
digest deliveries that really happened (`delivered`, `digest_delivered`,
set by delivery; none before), and the last delivery error. The shape is
AWS's for a trail that never delivered: the attempt fields are empty strings.

StartLogging and StopLogging act on a trail only from its home Region (the
Region it was created in): from another Region, where a multi-Region trail
also shows, AWS answers `InvalidHomeRegionException`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from moto.cloudtrail.models import CloudTrailBackend, TrailStatus
from moto.core.exceptions import JsonRESTError
from moto.core.utils import iso_8601_datetime_without_milliseconds, utcnow


class InvalidHomeRegionException(JsonRESTError):
    code = 400

    def __init__(self, name: str, home: str) -> None:
        super().__init__("InvalidHomeRegionException",
                         f"This operation must be called from the trail's home region "
                         f"({home}); trail {name} was created there.")


def _started(self: TrailStatus) -> None:
    self.is_logging = True
    self.started = utcnow()


def _stopped(self: TrailStatus) -> None:
    self.is_logging = False
    self.stopped = utcnow()


def _iso(moment: dt.datetime | None) -> str:
    return iso_8601_datetime_without_milliseconds(moment) if moment else ""


def _description(self: TrailStatus) -> dict[str, Any]:
    delivered: dt.datetime | None = getattr(self, "delivered", None)
    digest: dt.datetime | None = getattr(self, "digest_delivered", None)
    error: str | None = getattr(self, "delivery_error", None)
    found: dict[str, Any] = {
        "IsLogging": self.is_logging,
        "LatestDeliveryAttemptTime": _iso(delivered),
        "LatestNotificationAttemptTime": "",
        "LatestNotificationAttemptSucceeded": "",
        "LatestDeliveryAttemptSucceeded": _iso(delivered) if delivered and not error else "",
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


def install() -> None:
    TrailStatus.start_logging = _started  # type: ignore[method-assign]
    TrailStatus.stop_logging = _stopped  # type: ignore[method-assign]
    TrailStatus.description = _description  # type: ignore[method-assign]
    CloudTrailBackend.start_logging = _from_home(  # type: ignore[method-assign]
        CloudTrailBackend.start_logging)
    CloudTrailBackend.stop_logging = _from_home(  # type: ignore[method-assign]
        CloudTrailBackend.stop_logging)
