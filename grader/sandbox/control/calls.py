"""Calls to the account's control endpoints (`/_sandbox/...`, `control_endpoints`) from
`grade`: its clock (`account_time`, `advance`), its inbox, and the long
poll on its record's changes (`changes`, for `grade watch`).

Every request to the account goes to 127.0.0.1 and never through a proxy
(`loopback_open`), whatever HTTP_PROXY and the like say: the requests carry
the grader's secret and the learner's passwords.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.client import HTTPResponse
from typing import TYPE_CHECKING, Any

from grader.errors import GradeError
from grader.sandbox.clock import ADVANCE_PATH
from grader.sandbox.server import GRADER_TOKEN

if TYPE_CHECKING:
    from grader.sandbox.control.process import Running


# No ProxyHandler from the environment: the simulated account is on this machine.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def loopback_open(request: urllib.request.Request, timeout: float) -> HTTPResponse:
    """`urlopen` for the simulated account: straight to it, never through a proxy."""
    answer: HTTPResponse = _LOOPBACK.open(request, timeout=timeout)
    return answer


def get(endpoint: str, path: str, token: str | None = None, timeout: float = 2.0) -> Any:
    request = urllib.request.Request(endpoint + path)
    if token:
        request.add_header(GRADER_TOKEN, token)
    with loopback_open(request, timeout=timeout) as answer:
        return json.loads(answer.read())


def post(endpoint: str, path: str, token: str, payload: dict[str, Any],
          timeout: float = 10.0) -> Any:
    """POST `payload` as JSON to a control endpoint; a 4xx's JSON answer is a `GradeError`."""
    request = urllib.request.Request(
        endpoint + path, data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/json", GRADER_TOKEN: token})
    try:
        with loopback_open(request, timeout=timeout) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        raise refusal(error) from None
    except OSError as error:
        raise GradeError(f"The simulated account did not answer: {error}.",
                         "Check it with `grade sandbox status`.") from None


def refusal(error: urllib.error.HTTPError) -> GradeError:
    """A control endpoint's 4xx or 5xx: its JSON `error` and `fix`, as a GradeError."""
    try:
        refusal = json.loads(error.read() or b"{}")
    except ValueError:
        refusal = {}
    if not isinstance(refusal, dict):
        refusal = {}
    return GradeError(
        str(refusal.get("error") or f"The simulated account refused: {error.code}."),
        str(refusal.get("fix") or ""))


@dataclass(frozen=True)
class AccountTime:
    """The simulated account's clock, read once."""

    now: dt.datetime  # the account's time (UTC)
    ahead: dt.timedelta  # how far it is ahead of this machine's clock (0: not advanced)


def _account_time(answer: dict[str, Any]) -> AccountTime:
    return AccountTime(dt.datetime.fromisoformat(str(answer["accountTime"])),
                       dt.timedelta(seconds=float(answer["offsetSeconds"])))


def account_time(running: Running) -> AccountTime:
    """The account's time now."""
    try:
        answer = get(running.endpoint, f"/_sandbox/{ADVANCE_PATH}", running.account.grader_secret,
                      timeout=10.0)
    except urllib.error.HTTPError as error:  # a process of a `grade` from before the clock
        raise GradeError(f"The simulated account does not tell its time ({error.code}).",
                         "Restart it: `grade sandbox stop`, then `grade sandbox start`.") \
            from None
    return _account_time(answer)


def inbox(running: Running) -> list[dict[str, Any]]:
    """The e-mails SNS sent from the account (its e-mail subscriptions), oldest first."""
    try:
        answer = get(running.endpoint, "/_sandbox/inbox", running.account.grader_secret,
                      timeout=10.0)
    except urllib.error.HTTPError as error:  # a process of a `grade` from before the inbox
        raise GradeError(f"The simulated account has no inbox ({error.code}).",
                         "Restart it: `grade sandbox stop`, then `grade sandbox start`.") \
            from None
    return list(answer["mails"])


def advance(running: Running, by: dt.timedelta) -> AccountTime:
    """Move the account's clock forward by `by` (recorded in its record, like any change);
    `GradeError` with the account's reason when it refuses the duration."""
    answer = post(running.endpoint, f"/_sandbox/{ADVANCE_PATH}", running.account.grader_secret,
                   {"seconds": by.total_seconds()})
    return _account_time(answer)


def events(running: Running, after: int = -1, wait: float = 0.0) -> int:
    """How many events the account's record holds (the record's events: its requests);
    with `wait`, waits until more than `after`."""
    return changes(running, after, wait).events


@dataclass(frozen=True)
class Change:
    """The account's record as `changes` saw it."""

    events: int  # how many events it holds
    generation: str  # which life of the account: a restart or a reset makes a new one


def changes(running: Running, after: int = -1, wait: float = 0.0,
            generation: str | None = None) -> Change:
    """The account's record now; with `wait`, once it holds more than `after` events or
    the account is no longer `generation` (or after `wait` seconds). OSError: the
    account did not answer."""
    query = urllib.parse.urlencode({"after": after, "wait": wait,
                                    **({"generation": generation} if generation else {})})
    answer = get(running.endpoint, f"/_sandbox/changes?{query}",
                  running.account.grader_secret, timeout=wait + 5.0)
    # An account started by an older `grade` has no generation: its process is its life.
    return Change(int(answer["events"]), str(answer.get("generation", running.pid)))


class NotAnswering(GradeError):
    """The simulated account did not answer (it stopped, or is restarting)."""
