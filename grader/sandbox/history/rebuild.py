"""A learner's simulated account, rebuilt from their record inside another process.

An instructor's server re-grades what learners send (`grader.server.regrade`):
it rebuilds each learner's account from the record they sent, in its own
process, one account after another, without a server or a socket per
account. moto keeps accounts apart by account id, so rebuilding one is:
forget every account this process held (`forget_accounts`), store the sent
events in a fresh record (their chain links checked as they are stored),
open the account from its identity (same seed: same root key, same ids), and
judge every event again as it is replayed (`replay.judged_replay`: what did
not happen as recorded is reported, and taken out of the rebuilt record, so that
the checks do not believe it either).

The checks then read the rebuilt account exactly as they read a learner's:
through botocore clients signed with this process's grader key (`grader_key`),
whose requests go to the account's application in this process
(`route_in_process`) rather than over HTTP. The account's clock stands still
at the moment of the learner's grading (`StoppedClock`), so a re-grade made an
hour or a month later sees the account as the learner's grading did.

A rebuilt account can also be judged further (`go_on`): the events a learner's next
submission brings are stored after the ones it holds and judged on top, which makes the
account `rebuild` would make from the whole record (the judging's own memory, the
`Judgement`, goes on with it); and judging a long record can stop between steps
(`pause`) and go on later, so that a worker can serve others in between.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.sandbox.account import Account
from grader.sandbox.clock import AccountClock
from grader.sandbox.front_desk.in_process import IN_PROCESS_ENDPOINT
from grader.sandbox.history.record import COLUMNS

StoredEvents = Iterable[tuple[int, tuple[Any, ...], str]]
Pause = Callable[[], bool]  # whether to stop judging now (others wait for this process)
_TIME = COLUMNS.index("event_time")
STEP = 50  # events judged between two questions to `pause` (about a sixth of a second)


class StoppedClock(AccountClock):
    """An account's clock stopped at a moment of this machine's clock (plus its offset)."""

    def __init__(self, machine_now: dt.datetime) -> None:
        super().__init__()
        self.machine_now = machine_now

    def now(self) -> dt.datetime:
        return self.machine_now + self.offset


@dataclass
class Rebuilt:
    """A rebuilt account: its application, what in its record did not hold, how far its
    record is judged (`judgement`: judging can go on from there, `go_on`), and the account
    time its judging reached (`reached`: its clock's now once `complete`)."""

    app: Any  # SandboxApp
    problems: list[str]
    judgement: Any = None  # replay.Judgement
    reached: dt.datetime | None = None
    complete: bool = True
    held: int = 0  # the seq of the last event its record holds (judged or not)


class CannotGoOn(Exception):
    """Events that cannot be judged on top of a rebuilt account (it must be rebuilt)."""


def identity(sent: dict[str, Any]) -> Account:
    """The learner's account identity as a submission carries it, with this process's
    grader key (the learner's grader key is never sent)."""
    key_id, secret = grader_key()
    return Account(
        account_id=str(sent["accountId"]), root_email=str(sent["rootEmail"]),
        root_password=str(sent["rootPassword"]), seed=int(sent["seed"]),
        opened_at=str(sent["openedAt"]), region=str(sent["region"]),
        grader_key_id=key_id, grader_secret=secret,
    )


@functools.cache
def grader_key() -> tuple[str, str]:
    """This process's grader key (id, secret): the same for every account it rebuilds,
    so that the checks' clients are made once (`grader.server.regrade.reader`)."""
    alphabet = string.ascii_letters + string.digits
    upper = string.ascii_uppercase + "234567"
    return ("AKIAGRADER" + "".join(secrets.choice(upper) for _ in range(10)),
            "".join(secrets.choice(alphabet) for _ in range(40)))


def rebuild(account: Account, events: StoredEvents, folder: Path,
            graded_at: dt.datetime, pause: Pause | None = None) -> Rebuilt:
    """The account rebuilt in this process from `events` (seq, stored columns, link),
    its record kept in `folder`; ValueError when the events do not chain. `pause`: asked
    between steps of the judging; when it says so, the rebuild stops there, not
    `complete` (`go_on` finishes it)."""
    from grader.sandbox.history.record import RECORD_FILE, Record
    from grader.sandbox.history.replay import Judgement
    from grader.sandbox.server import assemble, install_services

    install_services()
    forget_accounts()
    rows = list(events)
    record = Record(folder / RECORD_FILE)
    record.append_stored(rows)
    app = assemble(account, record, None, _SHARED.get("moto"))
    _SHARED["moto"] = app.moto
    app.clock = StoppedClock(graded_at)
    app.endpoint = IN_PROCESS_ENDPOINT
    made = Rebuilt(app, [], Judgement(), complete=False, held=rows[-1][0] if rows else 0)
    if len(rows) > STEP and pause is not None and pause():
        return made  # a new account is a step too: others' short re-grades go first
    return _judge(made, pause)


def go_on(rebuilt: Rebuilt, events: StoredEvents, graded_at: dt.datetime,
          pause: Pause | None = None) -> Rebuilt:
    """`rebuilt` (live in this process: `parking.unpark`), its record extended by `events`
    (those after the last it holds) and judged on from where its judging stopped, the
    clock stopped at `graded_at`: the same account `rebuild` makes from the whole record.
    CannotGoOn, and `rebuilt` untouched, when that would not be so: the events do not
    chain on, or one is dated before the time the account already reached (what fell due
    then, a CloudTrail delivery, would have held it)."""
    app = rebuilt.app
    rows = list(events)
    reached = rebuilt.reached
    moments = [_moment(columns[_TIME]) for _, columns, _ in rows]
    if reached is not None:
        if any(moment is None or moment < reached for moment in moments):
            raise CannotGoOn("an event is dated before the time the account reached")
        if rebuilt.complete and not rows and graded_at + app.clock.offset < reached:
            raise CannotGoOn("graded before the time the account reached")
    try:
        app.record.append_stored(rows, after=rebuilt.held)
    except ValueError as error:
        raise CannotGoOn(str(error)) from None
    app.clock.machine_now = graded_at
    point_at(app)
    return _judge(Rebuilt(app, rebuilt.problems, rebuilt.judgement, reached, False,
                          rows[-1][0] if rows else rebuilt.held), pause)


def _judge(rebuilt: Rebuilt, pause: Pause | None) -> Rebuilt:
    """Judge `rebuilt`'s record on to its end, in steps of `STEP` events, stopping early
    (not `complete`) when `pause` says so between two steps."""
    from grader.sandbox.history.replay import judged_replay

    app, judgement, end = rebuilt.app, rebuilt.judgement, rebuilt.held
    while True:
        until = min(judgement.last_seq + STEP, end)
        last_step = until >= end
        judgement = judged_replay(app, judgement, until=until, finish=last_step)
        reached = max([m for m in (rebuilt.reached, judgement.latest) if m is not None],
                      default=None)
        if last_step:
            now = app.clock.now()
            reached = max(reached, now) if reached is not None else now
            return Rebuilt(app, judgement.problems, judgement, reached, True, end)
        rebuilt = Rebuilt(app, judgement.problems, judgement, reached, False, end)
        if pause is not None and pause():
            return rebuilt


def point_at(app: Any) -> None:
    """Point what serves "the account" in this process (moto's default account, CloudTrail's
    LookupEvents) at `app`'s, as opening it did (`server.assemble`): a kept account
    taken up again."""
    import os

    from moto.moto_server import werkzeug_app

    from grader.sandbox.services import registry

    os.environ["MOTO_ACCOUNT_ID"] = app.account.account_id
    setattr(werkzeug_app, "DEFAULT_ACCOUNT_ID", app.account.account_id)  # noqa: B010
    registry.point_at(app)


def _moment(text: Any) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def forget_accounts() -> None:
    """Forget every account this process holds: moto's backends, and what each service
    keeps of accounts beside them (its `account_state`: S3's bucket names, the bills...)."""
    from moto.core.base_backend import BackendDict, backend_lock
    from moto.core.model_instances import reset_model_data

    from grader.sandbox.services import registry

    with backend_lock:  # dropped, not reset: moto's reset would make each backend again
        for backends in BackendDict._instances:  # type: ignore[misc]
            backends.clear()
        BackendDict._instances.clear()  # type: ignore[misc]
        registry.forget()
    reset_model_data()


_SHARED: dict[str, Any] = {}  # moto's applications, made once per process: "moto"
