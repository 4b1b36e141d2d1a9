"""`grade sandbox start|stop|status|reset|env|advance`: the simulated account, from outside.

- `process`: start the account's process and wait until it answers, find it
  again from `runtime.json`, stop it;
- `locks`: one `grade` at a time starts, stops, resets or rewinds it
  (`exclusive`), and one process serves its record;
- `calls`: calls to the control endpoints it serves (`grader.sandbox.control_endpoints`),
  never through a proxy (`loopback_open`): its clock (`account_time`, `advance`; what that clock
  is: `grader.sandbox.clock`), its inbox, its record's changes;
- `credentials`: the keys `grade` hands out (root's for the learner's AWS CLI,
  the grader's own for the checks).

Callers use the names below as `control.NAME`.
"""

from __future__ import annotations

from grader.sandbox.control.calls import (
    AccountTime,
    Change,
    NotAnswering,
    account_time,
    advance,
    changes,
    events,
    inbox,
    loopback_open,
    post,
    refusal,
)
from grader.sandbox.control.credentials import (
    Names,
    credentials,
    environment,
    grader_environment,
    names,
)
from grader.sandbox.control.locks import RecordInUse, exclusive, record_untouched_by_others
from grader.sandbox.control.process import (
    ACCOUNT_PROCESS,
    NOT_RUNNING,
    Running,
    alive,
    find,
    require,
    start,
    start_locked,
    stop,
    stop_locked,
)

__all__ = [
    "ACCOUNT_PROCESS", "NOT_RUNNING", "AccountTime", "Change", "Names", "NotAnswering",
    "RecordInUse", "Running", "account_time", "advance", "alive", "changes", "credentials",
    "environment", "events", "exclusive", "find", "grader_environment", "inbox",
    "loopback_open", "names", "post", "record_untouched_by_others", "refusal", "require",
    "start", "start_locked", "stop", "stop_locked",
]
