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

from grader.sandbox.front_desk.app import CONTROL_PREFIX, SandboxApp, iam_of
from grader.sandbox.front_desk.wsgi import environ_for
from grader.sandbox.history.record import REPLAYING, Event

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
    iam = iam_of(app.account.account_id)
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
PASSKEY_CHALLENGE = "console/passkey/challenge"
PASSKEY_REGISTER = "console/passkey/register"
# Console events made again as they were first made, judged at the console's door
# (password, MFA code, passkey challenge, signature, origin), and compared.
MADE_AGAIN = {*CONSOLE_SIGNINS, PASSKEY_CHALLENGE, PASSKEY_REGISTER}


@dataclass
class Judgement:
    """What a judged replay found: one line per problem, and the events that did not
    happen as recorded (their seq); and what judging the events after them needs to
    remember (so that it can go on later, from the last event judged: `judged_replay`'s
    `judgement`): that event's seq, the latest time so far, and when root last signed in
    to the console (judged true)."""

    problems: list[str] = field(default_factory=list)
    untrue: list[int] = field(default_factory=list)
    last_seq: int = 0
    latest: dt.datetime | None = None
    root_signed_in: dt.datetime | None = None
    ids: set[str] = field(default_factory=set)  # every event id met so far


def judged_replay(app: SandboxApp, judgement: Judgement | None = None,
                  until: int | None = None, finish: bool = True) -> Judgement:
    """Rebuild the account from its record as `replay` does, but make every event again
    as it was first made, judged at the door (signature, key, session, date, password,
    MFA code, passkey), reads and refused requests too, and compare what it makes with
    what the record says happened. Returns what did not happen as recorded (an event
    written into the record by hand, say): nothing when the record is true. An event
    that did not happen is not made: the account is rebuilt without it.

    Console sign-ins and passkey ceremonies are made again through the console's own
    checks (`MADE_AGAIN`): the password (or its digest, `console.typed_password`), the
    MFA code at the moment it was typed, and for a passkey, the challenge the account
    recorded handing out, the RP ID and origin, the signature by the key root registered
    earlier in the record, and its sign count (`console.passkeys`).

    An event whose id an earlier event already had is untrue (CloudTrail gives every
    event its own; the checks read the event history down to the newest event they
    hold, `grader.checks.event_history`, and a copied id would hide what came between).

    Not judged again: the account clock's advances (the learner's own `grade sandbox
    advance`). A console action only root may take (a passkey's registration and its
    challenge among them) is judged by whether a root console sign-in that was judged
    true came less than a session's length before it.

    An event judged untrue is taken out of the record at once, so that nothing made
    after it (a CloudTrail log file) holds it either.

    In steps: given the `judgement` of the events before (its `last_seq`), only the
    events after it are judged, up to `until` (default: the record's end); `finish`
    lets the account's time reach its clock's now at the end (not for a step that
    more events will follow). The account, judged in steps, comes out the same as when
    judged at once, as long as no event of a later step is dated before the time a step
    reached."""
    from grader.sandbox.services.console.signin import SESSION_LENGTH

    found = judgement or Judgement()
    root_signed_in = found.root_signed_in
    previous = found.latest
    last = until if until is not None else 2**62
    for event in app.record.events("seq > ? AND seq <= ?", (found.last_seq, last), clock=True):
        moment = dt.datetime.fromisoformat(event.event_time)
        if previous is not None and moment < previous:
            found.problems.append(f"{_described(event)}: its time runs backwards "
                            f"(the event before it was at {previous.isoformat()}).")
        previous = max(moment, previous or moment)
        repeated = event.event_id in found.ids
        found.ids.add(event.event_id)
        app.pass_time(moment)
        environ = environ_for(event.method, event.path, event.query, event.headers, event.body)
        control = event.path[len(CONTROL_PREFIX):] if event.path.startswith(CONTROL_PREFIX) \
            else None
        problem: str | None = None
        try:
            if repeated:  # CloudTrail gives each event its own id: this one is a copy
                problem = f"{_described(event)}: its event id is an earlier event's."
            elif control is None:
                with _judging(app) as made:
                    app.handle(environ, event.body, at=moment, replay_seq=event.seq,
                               judge=True)
                problem = _difference(event, made[0] if made else None)
            elif late_for_root(control, event) and (
                    root_signed_in is None or moment - root_signed_in > SESSION_LENGTH):
                problem = f"{_described(event)}: root had no console session then."
            elif control in MADE_AGAIN:
                with _judging(app) as made:
                    answer = _control(app, control, environ, event, moment, replaying=False)
                problem = _difference(event, made[0] if made else None, outcome_only=True,
                                      answer=answer)
            elif control.startswith(CONSOLE):
                answer = _control(app, control, environ, event, moment, replaying=True)
                problem = None
                if (answer.status_code < 400) != (event.status < 400):
                    problem = f"{_described(event)}: {_outcomes(event.status, answer.status_code)}"
            else:
                _control(app, control, environ, event, moment, replaying=True)
                problem = None
        except Exception as error:  # a request the account cannot take at all
            problem = f"{_described(event)}: it cannot be made again ({error!r})."
        if problem is not None:
            found.problems.append(problem)
            found.untrue.append(event.seq)
            app.record.drop([event.seq])  # what did not happen is not in the account's record
        if control in CONSOLE_SIGNINS and event.identity_type == "Root" and event.status < 400 \
                and problem is None:
            root_signed_in = moment
        app.recorded(event)
        found.last_seq, found.latest, found.root_signed_in = event.seq, previous, root_signed_in
    if until is not None:  # every event up to it is judged (the untrue ones taken out)
        found.last_seq = max(found.last_seq, until)
    if finish:
        app.pass_time(app.clock.now())
    return found


def late_for_root(control: str | None, event: Event) -> bool:
    """Whether `event` is one that only root's console session makes, and that the record
    says was made (a refusal needs no session: it changed nothing)."""
    if control is None or not control.startswith(CONSOLE) or control in CONSOLE_SIGNINS \
            or event.status >= 400:
        return False
    if control == PASSKEY_CHALLENGE:  # a sign-in's is handed out before any session
        from grader.sandbox.services.console import payload_of

        return payload_of(event.body).get("purpose") != "signin"
    return True


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


def _difference(recorded: Event, made: Event | None, outcome_only: bool = False,
                answer: Any = None) -> str | None:
    """What differs between an event as recorded and as made again (None: nothing).
    `answer`: the console's response to it made again, whose reason a refusal gives."""
    if made is None:
        if answer is not None:
            return (f"{_described(recorded)}: made again, the console refuses it "
                    f"({answer.status_code}: {_reason(answer)}).")
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
        said = _outcomes(recorded.status, made.status)
        reason = _reason(answer) if answer is not None and answer.status_code >= 400 \
            else made.error_message if outcome_only else None
        if reason:  # the console's
            said = f"{said[:-1]}: {reason}"
        return f"{_described(recorded)}: {said}"
    if differing:
        name = differing[0]
        return (f"{_described(recorded)}: its {name} is recorded as "
                f"{getattr(recorded, name)!r}, but made again it is {getattr(made, name)!r}.")
    return None


def _reason(answer: Any) -> str:
    """The console's reason in its answer (`{"error": ...}`), or its body's start."""
    text = answer.get_data(as_text=True)
    try:
        reason = json.loads(text).get("error")
    except (ValueError, AttributeError):
        reason = None
    return str(reason or text.strip() or "no reason given")[:300]


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
