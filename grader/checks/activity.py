"""Who did what in the account, from CloudTrail's event history (LookupEvents).

The same call answers in the simulated account (from its record) and in a
real one (the last 90 days of management events). Events come back oldest
first, each as CloudTrail's record (`eventName`, `userIdentity`, ...).

A role session's calls name the session, not who started it. CloudTrail links
them as AWS documents it: the AssumeRole event that issued the session has
the session's key in `responseElements.credentials.accessKeyId`, and the
session's calls have it in `userIdentity.accessKeyId`. `collect` follows that
link (through chains of roles) to `Activity.behind`: the ARN of the root user
or the IAM user whose work each call is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from grader.checks import event_history
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
    # For a role session: the ARN of the root user or IAM user who began it (None when
    # the event history does not say: the AssumeRole is older than it, or was made in
    # another account). Set by `link_sessions`.
    began_by: str | None = None

    @property
    def behind(self) -> str | None:
        """The ARN of the root user or IAM user whose work this is: the caller itself, or
        for a role session, whoever began the session."""
        if self.identity_type in {"Root", "IAMUser"}:
            return (self.record.get("userIdentity") or {}).get("arn")
        return self.began_by if self.identity_type == "AssumedRole" else None

    @property
    def by_root(self) -> bool:
        """Signed by the root user itself."""
        return self.identity_type == "Root"

    @property
    def behind_root(self) -> bool:
        """The root user's work: its own call, or one through a role session it began."""
        return self.by_root or is_root_arn(self.behind)

    def describe(self) -> str:
        when = self.time.strftime("%Y-%m-%d %H:%M:%S UTC")
        service = self.source.split(".")[0]
        through = " (through a role session)" if self.identity_type == "AssumedRole" else ""
        return f"{service}:{self.name} at {when}{through}"


def is_root_arn(arn: str | None) -> bool:
    """True for a root user's ARN ("arn:aws:iam::123456789012:root")."""
    return bool(arn) and str(arn).startswith("arn:aws:iam::") and str(arn).endswith(":root")


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
    found = event_history.read(target, _activity)
    # The history's own order is kept among events of the same second.
    found.sort(key=lambda a: a.time)
    return link_sessions(found)


def issued_key(activity: Activity) -> str | None:
    """The temporary key an AssumeRole call was given (None for any other call)."""
    if activity.name != "AssumeRole" or not activity.succeeded:
        return None
    elements = activity.record.get("responseElements") or {}
    credentials = elements.get("credentials") if isinstance(elements, dict) else None
    key = credentials.get("accessKeyId") if isinstance(credentials, dict) else None
    return str(key) if key else None


def link_sessions(activity: list[Activity]) -> list[Activity]:
    """The same events (oldest first), each role session's call with `began_by`: the
    `behind` of the AssumeRole call whose response gave the session its key. (Only those
    are new objects: the events are kept between gradings, `event_history`.)"""
    began: dict[str, str | None] = {}
    linked = []
    for event in activity:
        if event.identity_type == "AssumedRole":
            who = began.get(event.access_key_id or "")
            if who != event.began_by:
                event = replace(event, began_by=who)
        if event.name == "AssumeRole":
            key = issued_key(event)
            if key:
                began[key] = event.behind
        linked.append(event)
    return linked
