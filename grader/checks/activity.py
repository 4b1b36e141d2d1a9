"""Who did what in the account, from CloudTrail's event history (LookupEvents).

The same call answers in the simulated account (from its record) and in a
real one (the last 90 days of management events). Events come back oldest
first, each as CloudTrail's record (`eventName`, `userIdentity`, ...).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from grader.checks.calls import call
from grader.checks.target import Target


@dataclass(frozen=True)
class Activity:
    """One recorded API call or console sign-in."""

    time: dt.datetime
    name: str  # eventName: "CreateUser", "ConsoleLogin"
    source: str  # eventSource: "iam.amazonaws.com"
    identity_type: str  # "Root" | "IAMUser" | ...
    user_name: str | None  # for IAMUser
    access_key_id: str | None
    read_only: bool
    succeeded: bool
    parameters: dict[str, Any]
    record: dict[str, Any]

    @property
    def by_root(self) -> bool:
        return self.identity_type == "Root"

    def describe(self) -> str:
        when = self.time.strftime("%Y-%m-%d %H:%M:%S UTC")
        service = self.source.split(".")[0]
        return f"{service}:{self.name} at {when}"


def _activity(record: dict[str, Any]) -> Activity:
    identity = record.get("userIdentity") or {}
    moment = dt.datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00"))
    succeeded = "errorCode" not in record
    if record.get("eventType") == "AwsConsoleSignIn":
        succeeded = (record.get("responseElements") or {}).get("ConsoleLogin") == "Success"
    read_only = record.get("readOnly")
    return Activity(
        time=moment,
        name=record.get("eventName", ""),
        source=record.get("eventSource", ""),
        identity_type=identity.get("type", ""),
        user_name=identity.get("userName"),
        access_key_id=identity.get("accessKeyId"),
        read_only=read_only is True or str(read_only).lower() == "true",
        succeeded=succeeded,
        parameters=record.get("requestParameters") or {},
        record=record,
    )


def collect(target: Target) -> list[Activity]:
    """Every management event in the event history, oldest first."""
    cloudtrail = target.client("cloudtrail")
    found: list[Activity] = []
    token: str | None = None
    while True:
        args: dict[str, Any] = {"MaxResults": 50}
        if token:
            args["NextToken"] = token
        page = call(cloudtrail, "lookup_events", **args)
        for event in page.get("Events", []):
            found.append(_activity(json.loads(event["CloudTrailEvent"])))
        token = page.get("NextToken")
        if not token:
            break
    found.reverse()  # LookupEvents gives newest first; same-second events keep their order
    found.sort(key=lambda a: a.time)
    return found
