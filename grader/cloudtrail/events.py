"""What kind of event a call is, in CloudTrail's terms.

The functions take anything with the record's fields (`grader.sandbox.history.record.Event`,
or a probe a check makes): `event_type`, `service`, `operation`. What each service's
events are is declared by its folder (`grader.services`: its event source, its data
events).
"""

from __future__ import annotations

from typing import Protocol

from grader.services import api_of


class EventLike(Protocol):
    event_type: str  # AwsApiCall | AwsConsoleSignIn
    service: str  # the signing name: "iam", "s3"
    operation: str
    region: str
    read_only: bool
    parameters: dict  # type: ignore[type-arg]


def is_management_event(event: EventLike) -> bool:
    """False for a data event (an S3 object's: not in the event history, and kept by a
    trail only when its selectors ask for them), as its service declares them."""
    data = api_of(event.service)
    return data is None or event.operation not in data.data_events


def event_source(event: EventLike) -> str:
    """CloudTrail's `eventSource`: as the service declares it (moto's own services:
    SERVICE.amazonaws.com)."""
    if event.event_type == "AwsConsoleSignIn":
        return "signin.amazonaws.com"
    data = api_of(event.service)
    return data.event_source if data is not None else f"{event.service}.amazonaws.com"
