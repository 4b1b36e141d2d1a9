"""The calls the simulated account's record holds, S3's object reads among them.

CloudTrail's event history (`grader.checks.activity`) keeps management events only,
in AWS as here: reading an object from S3 is a data event, which it leaves out. Some
steps leave no other trace: validating a trail's logs is listing CloudTrail's public
keys (a management event) and reading the trail's digest and log files (data events).
The simulated account keeps every call in its record, and gives the grader the calls
of the operations it asks for (`Target.control("requests?...")`). A real account has
no such record: there, `collect` gives None, and a check says what it can see instead.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass
from typing import Any

from grader.checks.target import Target, by_grader


@dataclass(frozen=True)
class Call:
    """One call in the account's record."""

    time: dt.datetime
    identity_type: str  # "Root" | "IAMUser" | "AssumedRole" | ...
    caller: str  # the caller's ARN ("" when the record does not say)
    service: str  # the signing name: "s3", "cloudtrail"
    operation: str  # "GetObject"
    succeeded: bool
    parameters: dict[str, Any]
    user_agent: str = ""

    @property
    def bucket(self) -> str:
        """The bucket of an S3 call ("" for other calls)."""
        return str(self.parameters.get("bucketName") or self.parameters.get("Bucket") or "")

    @property
    def key(self) -> str:
        """The object key of an S3 object call ("" for other calls)."""
        return str(self.parameters.get("key") or self.parameters.get("Key") or "")


def _call(found: dict[str, Any]) -> Call:
    moment = dt.datetime.fromisoformat(str(found["time"]).replace("Z", "+00:00"))
    return Call(
        time=moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC),
        identity_type=str(found.get("identityType") or ""),
        caller=str(found.get("principalArn") or ""),
        service=str(found.get("service") or ""),
        operation=str(found.get("operation") or ""),
        succeeded=int(found.get("status") or 0) < 300 and not found.get("errorCode"),
        parameters=dict(found.get("parameters") or {}),
        user_agent=str(found.get("userAgent") or ""),
    )


def collect(target: Target, *operations: str) -> list[Call] | None:
    """Every recorded call of `operations` but a grading's (one in live mode, against the
    simulated account, is made with the learner's key), oldest first; None for a real
    account."""
    if target.control is None:
        return None
    query = urllib.parse.urlencode([("operation", name) for name in operations])
    answer = target.control(f"requests?{query}")
    return [call for call in map(_call, answer["requests"]) if not by_grader(call.user_agent)]
