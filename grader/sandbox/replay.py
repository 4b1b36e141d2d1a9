"""Rebuild the simulated account from its record.

Each recorded request that changed something is sent again, in order, at
its recorded time and with its recorded place in the record (which seeds
moto's ids), so the account comes back with the same ids, keys and
secrets. Reads are not sent again, but they still marked the key that
signed them as used: that mark is restored directly. Requests that were
refused changed nothing and are not sent again either; those that were
accepted are not judged again (`REPLAYING`): rules of a newer version of the
simulated account must not rewrite what already happened.

The account clock's advances (`grade sandbox advance`) are in the record
too, in order with the requests: each is applied again, so the account's
clock comes back as far ahead of this machine's as it was. (The requests
themselves are sent again at their recorded times, whatever the clock.)
"""

from __future__ import annotations

import datetime as dt

from moto.iam.models import AccessKeyLastUsed
from werkzeug.wrappers import Request

from grader.sandbox.app import CONTROL_PREFIX, SandboxApp, _iam, environ_for
from grader.sandbox.record import REPLAYING

# Refused by the front desk before moto saw them (authorization, input validation),
# so they did not mark their key as used.
REFUSED_AT_THE_DOOR = {"AccessDenied", "AccessDeniedException", "ValidationError",
                       "ValidationException"}


def replay(app: SandboxApp) -> int:
    """Send the record again into a fresh account; returns the events replayed."""
    token = REPLAYING.set(True)
    try:
        return _replay(app)
    finally:
        REPLAYING.reset(token)


def _replay(app: SandboxApp) -> int:
    iam = _iam(app.account.account_id)
    replayed = 0
    for event in app.record.events(clock=True):
        moment = dt.datetime.fromisoformat(event.event_time)
        app.pass_time(moment)
        if not event.replay or event.status >= 400:
            key = iam.access_keys.get(event.access_key_id or "")
            if key is not None and event.error_code not in REFUSED_AT_THE_DOOR:
                key.last_used = AccessKeyLastUsed(moment, event.service, event.region)
            app.recorded(event)
            continue
        environ = environ_for(event.method, event.path, event.query, event.headers, event.body)
        if event.path.startswith(CONTROL_PREFIX):
            handler = app.control[event.path[len(CONTROL_PREFIX):]]
            app.replaying_seq = event.seq
            try:
                handler(Request(environ), event.body, moment, True)  # type: ignore[call-arg]
            finally:
                app.replaying_seq = None
        else:
            app.handle(environ, event.body, at=moment, replay_seq=event.seq)
        app.recorded(event)
        replayed += 1
    app.pass_time(app.clock.now())
    return replayed
