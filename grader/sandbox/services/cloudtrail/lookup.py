"""CloudTrail LookupEvents, answered from the simulated account's record.

As in AWS: management events only, newest first, at most one lookup
attribute (EventId, EventName, ReadOnly, Username, ResourceType,
ResourceName, EventSource, AccessKeyId), StartTime/EndTime, MaxResults up
to 50 and an opaque NextToken.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from moto.core.exceptions import JsonRESTError

from grader.cloudtrail.events import event_source, is_management_event
from grader.sandbox.history.record import Event, Record
from grader.sandbox.services.cloudtrail.events import cloudtrail_record, event_time, username

ATTRIBUTES = {
    "EventId", "EventName", "ReadOnly", "Username", "ResourceType",
    "ResourceName", "EventSource", "AccessKeyId",
}


class InvalidLookupAttributes(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidLookupAttributesException", message)


class InvalidNextToken(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("InvalidNextTokenException", "Invalid NextToken.")


def _matches(event: Event, attribute: str, value: str) -> bool:
    if attribute == "EventId":
        return event.event_id == value
    if attribute == "EventName":
        return event.operation == value
    if attribute == "ReadOnly":
        return str(event.read_only).lower() == value.lower()
    if attribute == "Username":
        return username(event) == value
    if attribute == "EventSource":
        return event_source(event) == value
    if attribute == "AccessKeyId":
        return event.access_key_id == value
    if attribute == "ResourceType":
        return any(r["type"] == value for r in event.resources)
    return any(r["name"] == value for r in event.resources)


def moment_of(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, int | float) or str(value).replace(".", "", 1).isdigit():
        moment = dt.datetime.fromtimestamp(float(value), dt.UTC)
    else:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# Events read from the record at a time: a page of 50 reads a batch or two, not the whole
# record (a 10,000-event record read whole for each of its 200 pages took seconds).
_BATCH = 200


def lookup(record: Record, account_id: str, params: dict[str, Any]) -> dict[str, Any]:
    attributes = params.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise InvalidLookupAttributes("You cannot specify more than one lookup attribute.")
    attribute = value = None
    if attributes:
        attribute, value = attributes[0].get("AttributeKey"), attributes[0].get("AttributeValue")
        if attribute not in ATTRIBUTES:
            raise InvalidLookupAttributes(f"Invalid lookup attribute key: {attribute}")
    start, end = moment_of(params.get("StartTime")), moment_of(params.get("EndTime"))
    limit = int(params.get("MaxResults") or 50)
    if not 1 <= limit <= 50:
        raise InvalidLookupAttributes("MaxResults must be between 1 and 50.")
    below = None
    if params.get("NextToken"):
        try:
            below = int(json.loads(base64.b64decode(params["NextToken"]))["below"])
        except (ValueError, KeyError, TypeError):
            raise InvalidNextToken() from None
    found: list[Event] = []
    more = False
    while not more:  # read newest first, a batch at a time, until the page is full
        where, args = ("seq < ?", (below,)) if below is not None else ("", ())
        batch = list(record.events(where, args, newest_first=True, limit=_BATCH,
                                   without_request=True))
        for event in batch:
            if not is_management_event(event):
                continue
            moment = event_time(event)
            if (start and moment < start) or (end and moment > end):
                continue
            if attribute and value is not None and not _matches(event, attribute, value):
                continue
            if len(found) == limit:
                more = True
                break
            found.append(event)
        if len(batch) < _BATCH:
            break
        below = batch[-1].seq
    result: dict[str, Any] = {"Events": [_summary(e, account_id) for e in found]}
    if more:
        token = json.dumps({"below": found[-1].seq}).encode()
        result["NextToken"] = base64.b64encode(token).decode()
    return result


def _summary(event: Event, account_id: str) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "EventId": event.event_id,
        "EventName": event.operation,
        "ReadOnly": str(event.read_only).lower(),
        "EventTime": event_time(event).timestamp(),
        "EventSource": event_source(event),
        "Resources": [{"ResourceType": r["type"], "ResourceName": r["name"]}
                      for r in event.resources],
        "CloudTrailEvent": json.dumps(cloudtrail_record(event, account_id)),
    }
    if event.access_key_id:
        summary["AccessKeyId"] = event.access_key_id
    name = username(event)
    if name:
        summary["Username"] = name
    return summary
