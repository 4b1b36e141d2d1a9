"""The read-only guard: a grader's client refuses every call that could change
the account, before the request is signed or sent."""

from __future__ import annotations

from typing import Any

from grader.errors import GradeError
from grader.readonly import GRADER_MAY_CALL, is_read_only


class WriteRefused(GradeError):
    """A check tried to call an operation that is not read-only."""


def refuse_writes(model: Any, **_: Any) -> None:
    """botocore `before-call` handler: let only read-only operations through."""
    name = model.name
    if not (is_read_only(name) or name in GRADER_MAY_CALL):
        raise WriteRefused(
            f"The grader refused to call {model.service_model.service_name}:{name}, "
            "which could change the account; grading only reads.",
            "This is a bug in the exercise's checks: please report it.",
        )


def install_guard(client: Any) -> Any:
    """Attach the guard to a boto3 client (returned for chaining)."""
    client.meta.events.register_first("before-call.*.*", refuse_writes)
    return client
