"""Read-only AWS calls for the checks' collectors: a call that fails stops the
grading with its reason (exit 2); nothing is ever taken as "empty" because it
could not be read."""

from __future__ import annotations

from typing import Any

from grader.errors import GradeError


def call(client: Any, operation: str, **kwargs: Any) -> Any:
    """`client.operation(**kwargs)`, or GradeError saying why it could not be read."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return getattr(client, operation)(**kwargs)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        raise GradeError(
            f"Could not read the account ({operation}: {code} {message}).".replace(" )", ")"),
            "Check that the credentials you grade with may read IAM (e.g. SecurityAudit).",
        ) from None
    except BotoCoreError as error:
        raise GradeError(f"Could not reach the account ({operation}): {error}.",
                         "Is the simulated account running? Try `grade sandbox status`.") from None


def pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item under `key` of a Marker-paged IAM listing."""
    items: list[Any] = []
    marker: str | None = None
    while True:
        args = dict(kwargs, Marker=marker) if marker else kwargs
        page = call(client, operation, **args)
        items += page.get(key, [])
        if not page.get("IsTruncated"):
            return items
        marker = page["Marker"]
