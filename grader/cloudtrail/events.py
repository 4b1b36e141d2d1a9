"""What kind of event a call is, in CloudTrail's terms.

The functions take anything with the record's fields (`grader.sandbox.record.Event`,
or a probe a check makes): `event_type`, `service`, `operation`.
"""

from __future__ import annotations

from typing import Protocol


class EventLike(Protocol):
    event_type: str  # AwsApiCall | AwsConsoleSignIn
    service: str  # the signing name: "iam", "s3"
    operation: str
    region: str
    read_only: bool
    parameters: dict  # type: ignore[type-arg]


# S3 object-level operations are data events: not in the event history, and kept by a
# trail only when its selectors ask for them.
DATA_EVENT_OPERATIONS = {
    "GetObject", "PutObject", "DeleteObject", "DeleteObjects", "HeadObject", "CopyObject",
    "GetObjectAcl", "PutObjectAcl", "GetObjectTagging", "PutObjectTagging",
    "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "ListParts",
    "AbortMultipartUpload", "GetObjectAttributes", "RestoreObject", "SelectObjectContent",
}


def is_management_event(event: EventLike) -> bool:
    return not (event.service == "s3" and event.operation in DATA_EVENT_OPERATIONS)


def event_source(event: EventLike) -> str:
    if event.event_type == "AwsConsoleSignIn":
        return "signin.amazonaws.com"
    return f"{event.service}.amazonaws.com"
