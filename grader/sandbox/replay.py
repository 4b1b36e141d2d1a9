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
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from moto.iam.models import AccessKeyLastUsed
from werkzeug.wrappers import Request

from grader.sandbox.app import CONTROL_PREFIX, SandboxApp, _iam, environ_for
from grader.sandbox.record import REPLAYING, Event

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


# -- judging a learner's record again (an instructor's server) ---------------------------

# The fields of an event that say what happened: the same when it is made again.
JUDGED_FIELDS = ("event_type", "identity_type", "principal_arn", "access_key_id", "service",
                 "operation", "region", "read_only", "parameters", "error_code")
CONSOLE = "console/"
CONSOLE_SIGNINS = {"console/signin", "console/passkey/signin"}


@dataclass
class Judgement:
    """What a judged replay found: one line per problem, and the events that did not
    happen as recorded (their seq)."""

    problems: list[str] = field(default_factory=list)
    untrue: list[int] = field(default_factory=list)


def judged_replay(app: SandboxApp) -> Judgement:
    """Rebuild the account from its record as `replay` does, but make every event again
    as it was first made, judged at the door (signature, key, session, date, password,
    MFA code), reads and refused requests too, and compare what it makes with what the
    record says happened. Returns what did not happen as recorded (an event written
    into the record by hand, say): nothing when the record is true.

    Not judged again: the account clock's advances (the learner's own `grade sandbox
    advance`), and passkey sign-ins (their one-time challenge is gone): they are
    taken as recorded. A console action only root may take is judged by whether a root
    console sign-in that succeeded came less than a session's length before it."""
    from grader.sandbox.console.signin import SESSION_LENGTH

    found = Judgement()
    root_signed_in: dt.datetime | None = None
    previous: dt.datetime | None = None
    for event in app.record.events(clock=True):
        moment = dt.datetime.fromisoformat(event.event_time)
        if previous is not None and moment < previous:
            found.problems.append(f"{_described(event)}: its time runs backwards "
                            f"(the event before it was at {previous.isoformat()}).")
        previous = max(moment, previous or moment)
        app.pass_time(moment)
        environ = environ_for(event.method, event.path, event.query, event.headers, event.body)
        control = event.path[len(CONTROL_PREFIX):] if event.path.startswith(CONTROL_PREFIX) \
            else None
        try:
            if control is None:
                with _judging(app) as made:
                    app.handle(environ, event.body, at=moment, replay_seq=event.seq,
                               judge=True)
                problem = _difference(event, made[0] if made else None)
            elif control in CONSOLE_SIGNINS and control != "console/passkey/signin":
                with _judging(app) as made:
                    _control(app, control, environ, event, moment, replaying=False)
                problem = _difference(event, made[0] if made else None, outcome_only=True)
            elif control.startswith(CONSOLE) and control not in CONSOLE_SIGNINS:
                late = root_signed_in is None or moment - root_signed_in > SESSION_LENGTH
                answer = _control(app, control, environ, event, moment, replaying=True)
                problem = (f"{_described(event)}: root had no console session then."
                           if late and event.status < 400 else None)
                if problem is None and (answer.status_code < 400) != (event.status < 400):
                    problem = f"{_described(event)}: {_outcomes(event.status, answer.status_code)}"
            else:
                _control(app, control, environ, event, moment, replaying=True)
                problem = None
        except Exception as error:  # a request the account cannot take at all
            problem = f"{_described(event)}: it cannot be made again ({error!r})."
        if problem is not None:
            found.problems.append(problem)
            found.untrue.append(event.seq)
        if control in CONSOLE_SIGNINS and event.identity_type == "Root" and event.status < 400 \
                and problem is None:
            root_signed_in = moment
        app.recorded(event)
    app.pass_time(app.clock.now())
    return found


def _control(app: SandboxApp, control: str, environ: dict[str, Any], event: Event,
             moment: dt.datetime, replaying: bool) -> Any:
    handler = app.control.get(control)
    if handler is None:
        raise ValueError(f"no such control endpoint {control!r}")
    app.replaying_seq = event.seq
    try:
        return handler(Request(environ), event.body, moment, replaying)  # type: ignore[call-arg]
    finally:
        app.replaying_seq = None


@contextmanager
def _judging(app: SandboxApp) -> Iterator[list[Event]]:
    """The events the requests made inside would have recorded (they are not recorded)."""
    made: list[Event] = []
    app.judging = made
    try:
        yield made
    finally:
        app.judging = None


def _difference(recorded: Event, made: Event | None, outcome_only: bool = False) -> str | None:
    """What differs between an event as recorded and as made again (None: nothing)."""
    if made is None:
        return (f"{_described(recorded)}: made again, the account refuses it at the door "
                "(its signature, key, session or date does not hold).")
    if outcome_only:
        fields: tuple[str, ...] = ("event_type", "identity_type", "principal_arn",
                                   "operation", "parameters")
    else:
        fields = JUDGED_FIELDS
    differing = [name for name in fields
                 if _as_stored(getattr(recorded, name)) != _as_stored(getattr(made, name))]
    if (recorded.status < 400) != (made.status < 400) or \
            (not outcome_only and recorded.status != made.status):
        return f"{_described(recorded)}: {_outcomes(recorded.status, made.status)}"
    if differing:
        name = differing[0]
        return (f"{_described(recorded)}: its {name} is recorded as "
                f"{getattr(recorded, name)!r}, but made again it is {getattr(made, name)!r}.")
    return None


def _as_stored(value: Any) -> Any:
    """A field as the record stores it (dates in parameters become text there)."""
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, sort_keys=True)
    return value


def _outcomes(recorded: int, made: int) -> str:
    said = "succeeded" if recorded < 400 else f"failed ({recorded})"
    now = "succeeds" if made < 400 else f"fails ({made})"
    return f"the record says it {said}, but made again it {now}."


def _described(event: Event) -> str:
    who = event.principal_arn or event.identity_type
    return f"event {event.seq} ({event.operation} by {who} at {event.event_time})"
