"""The grader's guard: a grader's client sends only the calls the checks make
(`grader.readonly.GRADER_CALLS`, an explicit list of (service, operation)),
and refuses every other before the request is signed or sent. Not "anything
named Get or List": sts:GetSessionToken or cognito-identity:GetId would
make credentials."""

from __future__ import annotations

from typing import Any

from grader.errors import GradeError
from grader.readonly import grader_may_call


class WriteRefused(GradeError):
    """A check tried to call an operation that is not one of the grader's read-only calls."""


def refuse_writes(model: Any, **_: Any) -> None:
    """botocore `before-call` handler: let only the calls on the grader's list through."""
    service = model.service_model.service_name
    name = model.name
    if not grader_may_call(service, name):
        raise WriteRefused(
            f"The grader refused to call {service}:{name}, which is not one of the "
            "read-only calls grading makes and could change the account; grading only reads.",
            "This is a bug in the exercise's checks: please report it.",
        )


def install_guard(client: Any) -> Any:
    """Attach the guard to a boto3 client (returned for chaining)."""
    client.meta.events.register_first("before-call.*.*", refuse_writes)
    return client
