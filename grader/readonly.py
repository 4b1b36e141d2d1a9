"""Two different ideas about AWS operations; do not mix them up.

`is_read_only(operation)`: whether the simulated account records a call as
read-only (CloudTrail's `readOnly` flag and the record's `read_only`
column), judged by the operation's name as CloudTrail roughly does. It is a
description of a call, not a permission: many "Get" calls create things
(sts:GetSessionToken makes credentials), so it must never decide what the
grader may send.

`grader_calls()`: the only (service, operation) pairs the grader's own
clients may send (`grader.checks.guard`), in the simulated account and in a
learner's real account alike. They are exactly the calls the checks make
(`grader/checks/`, `grader/quiz/`, `exercises/*/test_*.py`), nothing more,
each declared by its service's folder (`grader_calls` in its `service.toml`,
read by `grader.services` without importing the account's code); a check that
needs another call adds it there, and `tests/test_live_guard.py` fails until
it does.
"""

from __future__ import annotations

from grader import services

READ_PREFIXES = ("Get", "List", "Describe", "Lookup", "Head", "Search", "BatchGet", "Simulate")


def is_read_only(operation: str) -> bool:
    """True for operations CloudTrail would record as read-only (the record's flag).

    Not for deciding what may be called: see `grader_calls`."""
    return operation.startswith(READ_PREFIXES)


def grader_calls() -> frozenset[tuple[str, str]]:
    """(botocore service name, API operation name): every call the checks make, as each
    service's folder declares them (its `service.toml`'s `grader_calls`)."""
    return services.grader_calls()


def grader_may_call(service: str, operation: str) -> bool:
    """True when the grader's guard lets `service:operation` through."""
    return (service, operation) in services.grader_calls()
