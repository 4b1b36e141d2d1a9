"""Which AWS operations only read: the grader's guard and CloudTrail's `readOnly`."""

from __future__ import annotations

READ_PREFIXES = ("Get", "List", "Describe", "Lookup", "Head", "Search", "BatchGet", "Simulate")

# Operations a grader may call although their names do not say "read":
# generating the credential report changes no resource, only makes a report.
GRADER_MAY_CALL = frozenset({"GenerateCredentialReport"})


def is_read_only(operation: str) -> bool:
    """True for operations that only read."""
    return operation.startswith(READ_PREFIXES)
