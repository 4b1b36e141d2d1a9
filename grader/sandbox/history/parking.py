"""One rebuilt account's state, taken out of this process's moto and put back later.

An instructor's server keeps the accounts it rebuilt, so that a learner's next
submission is judged on top of the account it already has (`grader.server.kept_accounts`).
moto keeps every account's state in process-wide tables (its backends by account id, S3's
index of bucket names, which are global) and so do our additions (the bills, the mail
sent from outside); two learners' accounts live in those tables at once, and one could
reach the other (a bucket name taken, another account's topic or role named in an ARN).

So only one account is ever *live* here: `park` takes everything of an account out of
those tables into a `Parked` (nothing of it is left where moto can see it), and `unpark`
forgets whatever is live (`rebuild.forget_accounts`) and puts a parked account back,
exactly as it was. The tables are the ones `forget_accounts` clears: moto's backends, and
what each registered service declares it keeps of an account (`registry`, its folder's
`account_state`): what an account may leave in this process is declared in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Parked:
    """An account's state, out of this process's tables: each of moto's backends, and what
    each registered service keeps of it beside them (`registry.park`)."""

    account_id: str
    backends: list[tuple[Any, Any]] = field(default_factory=list)  # (BackendDict, its entry)
    services: list[Any] = field(default_factory=list)


def park(account_id: str) -> Parked:
    """Take account `account_id` out of this process's tables (then forget any other
    state left there: nothing stays live)."""
    from moto.core.base_backend import BackendDict, backend_lock

    from grader.sandbox.history.rebuild import forget_accounts
    from grader.sandbox.services import registry

    parked = Parked(account_id)
    with backend_lock:
        for backends in BackendDict._instances:  # type: ignore[misc]
            if dict.__contains__(backends, account_id):
                parked.backends.append((backends, dict.pop(backends, account_id)))
        parked.services = registry.park(account_id)
    forget_accounts()
    return parked


def unpark(parked: Parked) -> None:
    """Make `parked` the one account live in this process, as it was parked."""
    from moto.core.base_backend import BackendDict, backend_lock

    from grader.sandbox.history.rebuild import forget_accounts
    from grader.sandbox.services import registry

    forget_accounts()
    with backend_lock:
        for backends, entry in parked.backends:
            dict.__setitem__(backends, parked.account_id, entry)
            if backends not in BackendDict._instances:  # type: ignore[misc]
                BackendDict._instances.append(backends)  # type: ignore[misc]
        registry.unpark(parked.account_id, parked.services)
