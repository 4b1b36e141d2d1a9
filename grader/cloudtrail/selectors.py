"""Which of the account's events a trail logs: its Regions and its event selectors.

As CloudTrail decides it (CloudTrail User Guide, "Logging management
events" and "Logging data events"):

- A multi-Region trail logs the events of every Region; a single-Region
  trail only those of its home Region. Events of global services (IAM, the
  console's sign-in, CloudFront, Route 53) are recorded in us-east-1, and a
  trail logs them only when `IncludeGlobalServiceEvents` is on.
- With no selectors, a trail logs every management event, read and write,
  and no data events.
- Basic event selectors: a management event is logged by a selector with
  `IncludeManagementEvents` (on unless said otherwise) whose
  `ReadWriteType` (`All`, `ReadOnly`, `WriteOnly`) fits it and whose
  `ExcludeManagementEventSources` does not name its source; an S3 object
  event (a data event) by a selector whose `DataResources` of type
  `AWS::S3::Object` name a prefix of the object's ARN (`arn:aws:s3` for
  every bucket).
- Advanced event selectors: an event is logged by a selector all of whose
  field selectors hold (`eventCategory`, `readOnly`, `eventSource`,
  `eventName`, `resources.type`, `resources.ARN`; with `Equals`,
  `NotEquals`, `StartsWith`, `NotStartsWith`, `EndsWith`, `NotEndsWith`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.cloudtrail.events import EventLike as Event
from grader.cloudtrail.events import event_source, is_management_event

GLOBAL_SERVICES = {"iam", "cloudfront", "route53", "signin"}
GLOBAL_REGION = "us-east-1"


def is_global(event: Event) -> bool:
    """An event of a global service (recorded in us-east-1)."""
    return event.event_type == "AwsConsoleSignIn" or event.service in GLOBAL_SERVICES


def covers_region(trail: Any, event: Event) -> bool:
    """Whether the trail logs events of the event's Region (and of global services)."""
    if is_global(event) and not trail.include_global_service_events:
        return False
    return bool(trail.is_multi_region) or event.region == trail.region_name


def object_arn(event: Event) -> str | None:
    """The ARN of the S3 object a data event is about."""
    bucket, key = event.parameters.get("Bucket"), event.parameters.get("Key")
    if not isinstance(bucket, str):
        return None
    return f"arn:aws:s3:::{bucket}/{key}" if isinstance(key, str) else f"arn:aws:s3:::{bucket}/"


def wants(trail: Any, event: Event) -> bool:
    """Whether the trail's selectors log this event (its Region aside)."""
    if trail.advanced_event_selectors:
        return any(_advanced_holds(selector, event)
                   for selector in trail.advanced_event_selectors)
    management = is_management_event(event)
    if not trail.event_selectors:
        return management
    return any(_basic_holds(selector, event, management) for selector in trail.event_selectors)


def _read_write_fits(selector: dict[str, Any], event: Event) -> bool:
    kind = selector.get("ReadWriteType") or "All"
    return kind == "All" or (kind == "ReadOnly") == event.read_only


def _basic_holds(selector: dict[str, Any], event: Event, management: bool) -> bool:
    if not _read_write_fits(selector, event):
        return False
    if management:
        excluded = selector.get("ExcludeManagementEventSources") or []
        return selector.get("IncludeManagementEvents", True) is not False \
            and event_source(event) not in excluded
    arn = object_arn(event)
    if arn is None:
        return False
    for resource in selector.get("DataResources") or []:
        if resource.get("Type") != "AWS::S3::Object":
            continue
        for value in resource.get("Values") or []:
            if value == "arn:aws:s3" or arn.startswith(value) or f"{arn}/" == value:
                return True
    return False


def _field(event: Event, name: str) -> list[str]:
    """The values an advanced selector's field has for this event."""
    management = is_management_event(event)
    if name == "eventCategory":
        return ["Management" if management else "Data"]
    if name == "readOnly":
        return [str(event.read_only).lower()]
    if name == "eventSource":
        return [event_source(event)]
    if name == "eventName":
        return [event.operation]
    if name == "resources.type":
        return [] if management else ["AWS::S3::Object"]
    if name == "resources.ARN":
        arn = None if management else object_arn(event)
        return [arn] if arn else []
    return []


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "Equals": lambda value, given: value == given,
    "StartsWith": lambda value, given: value.startswith(given),
    "EndsWith": lambda value, given: value.endswith(given),
}


def _advanced_holds(selector: dict[str, Any], event: Event) -> bool:
    for field_selector in selector.get("FieldSelectors") or []:
        values = _field(event, str(field_selector.get("Field", "")))
        for operator, test in _OPERATORS.items():
            given = field_selector.get(operator)
            if given and not any(test(v, g) for v in values for g in given):
                return False
            negated = field_selector.get("Not" + operator)
            if negated and any(test(v, g) for v in values for g in negated):
                return False
    return True
