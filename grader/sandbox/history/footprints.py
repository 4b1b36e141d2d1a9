"""What the grader's reads leave in an account, taken back.

The grader's key only reads (`grader_key.grader_key_may_call`), but two of its reads leave a
trace in moto's state: GenerateCredentialReport marks IAM's report as made (a later
GetCredentialReport of the learner's would then succeed), and a read of a Region or
service the account never used makes its backend then (moto makes them on first use,
drawing ids as it does). An account that is kept after its checks ran and judged further
later (`grader.server.kept_accounts`) must be the account its record alone makes: so
`as_found` takes both back once the checks are done.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_REPORT = ("credential_report", "credential_report_time")


@contextmanager
def as_found(account_id: str) -> Iterator[None]:
    """Whatever reads run inside leave account `account_id` as it was found."""
    from moto.core.base_backend import BackendDict

    from grader.sandbox.front_desk.app import iam_of

    iam = iam_of(account_id)
    report = {name: getattr(iam, name, None) for name in _REPORT}
    regions: dict[Any, set[str] | None] = {
        backends: set(dict.__getitem__(backends, account_id).keys())
        if dict.__contains__(backends, account_id) else None
        for backends in BackendDict._instances  # type: ignore[misc]
    }
    try:
        yield
    finally:
        for name, value in report.items():
            setattr(iam, name, value)
        for backends in list(BackendDict._instances):  # type: ignore[misc]
            if not dict.__contains__(backends, account_id):
                continue
            before = regions.get(backends)
            if before is None:
                dict.pop(backends, account_id)
                continue
            entry = dict.__getitem__(backends, account_id)
            for region in [r for r in list(dict.keys(entry)) if r not in before]:
                dict.__delitem__(entry, region)
