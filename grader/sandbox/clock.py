"""The simulated account's clock: this machine's clock, plus time the learner skipped.

A real account lives in real time: a role session expires an hour after it
began, an MFA code is good for 30 seconds, CloudTrail delivers its log
files every 5 minutes, billing exports arrive once a day. Nobody doing (or
testing) an exercise should have to wait for that, so the simulated account
keeps its own time:

    the account's time = this machine's clock + an offset

The offset starts at zero when the account is opened and only grows:
`grade sandbox advance 2h` adds two hours to it, and nothing takes time
away. Each advance is an event in the account's record (an `AdvanceClock`,
in the order it happened, hidden from CloudTrail: it is not an AWS call), so
replaying the record, after a restart or for an instructor's re-grade,
gives the offset back, and every event keeps the time it was recorded with.
(`grade restart NN` rebuilds the account from an earlier part of its
record: the advances made after that point are undone with the rest.)

Every request is made at the account's time: that is the `moment` the
front desk, moto, the console and the record see. One thing keeps the
machine's clock: the check that a request was signed in the last 15
minutes, because the AWS CLI and boto3 sign with the machine's clock,
which does not move when the account's does (`wall_clock`); and the
check of an MFA code, because the learner's phone (or `grade authenticator`)
computes its codes from the machine's clock too (`machine_time`).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

MAX_ADVANCE = dt.timedelta(days=400)  # more at once is a typo, not an exercise

# Where an advance is asked for (`server`) and recorded (`record.Event.path`).
ADVANCE_PATH = "clock"
ADVANCE = "AdvanceClock"  # the operation of an advance, in the record

_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_SHORT = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>[wdhms])")
_SHORT_WHOLE = re.compile(r"(?:\d+(?:\.\d+)?\s*[wdhms]\s*)+")
_ISO = re.compile(r"P(?:(?P<w>\d+(?:[.,]\d+)?)W)?(?:(?P<d>\d+(?:[.,]\d+)?)D)?"
                  r"(?:T(?:(?P<h>\d+(?:[.,]\d+)?)H)?(?:(?P<m>\d+(?:[.,]\d+)?)M)?"
                  r"(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?")
# The machine's time at which the request being answered was made (the moment
# it was first made, for a replayed one); None outside a request.
_MACHINE_TIME: ContextVar[dt.datetime | None] = ContextVar("machine_time", default=None)
_EXAMPLES = "45s, 90m, 2h, 1d or 1h30m (or ISO 8601, as PT1H30M)"


class BadDuration(ValueError):
    """A duration the account's clock cannot move by; `fix` says what to write instead."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


def wall_clock() -> dt.datetime:
    """This machine's clock (UTC), the one the AWS CLI and boto3 sign requests with.

    It is read past `time_machine` (which the account uses to show moto the
    account's time during a request), so that it is the machine's real time
    even while another request of the process is being answered."""
    import time_machine  # imported here: it is slow to import, and only the account needs it

    if time_machine.escape_hatch.is_travelling():
        try:
            return time_machine.escape_hatch.datetime.datetime.now(dt.UTC)
        except ValueError:  # the travel ended in between: the plain clock is real again
            pass
    return dt.datetime.now(dt.UTC)


def machine_time() -> dt.datetime:
    """The machine's time of the request being answered: the clock an authenticator
    app computes MFA codes with. Replayed, it is the moment the request was first
    made, so that the codes it used are known to be used again."""
    return _MACHINE_TIME.get() or wall_clock()


@contextmanager
def request_made_at(moment: dt.datetime) -> Iterator[None]:
    """Answer a request made at `moment` of the machine's clock (`machine_time`)."""
    token = _MACHINE_TIME.set(moment)
    try:
        yield
    finally:
        _MACHINE_TIME.reset(token)


class AccountClock:
    """The account's time: `wall_clock()` plus an offset that only grows."""

    def __init__(self) -> None:
        self._offset = dt.timedelta(0)
        self._lock = threading.Lock()

    @property
    def offset(self) -> dt.timedelta:
        """How far the account's clock is ahead of this machine's."""
        return self._offset

    def now(self) -> dt.datetime:
        """The account's time now (UTC)."""
        return wall_clock() + self._offset

    def advance(self, by: dt.timedelta) -> dt.datetime:
        """Move the account's clock forward by `by`; returns the account's new time.

        `BadDuration` for a duration that is not forward or is too long."""
        check(by)
        with self._lock:
            self._offset += by
        return self.now()

    def replay(self, by: dt.timedelta) -> dt.datetime:
        """An advance read back from the record: it happened, so it is not judged again
        (a later version's limit must not change the past); only time never goes back."""
        with self._lock:
            self._offset += max(by, dt.timedelta(0))
        return self.now()


def check(by: dt.timedelta, said: str | None = None) -> None:
    """`BadDuration` unless `by` moves the clock forward, by at most `MAX_ADVANCE`."""
    said = said or describe(by)
    if by < dt.timedelta(0):
        raise BadDuration(f"{said} is negative: the account's clock only moves forward.",
                          f"Give a positive duration, as {_EXAMPLES}.")
    if by == dt.timedelta(0):
        raise BadDuration(f"{said} does not move the account's clock.",
                          f"Give a positive duration, as {_EXAMPLES}.")
    if by > MAX_ADVANCE:
        raise BadDuration(
            f"{said} is more than {MAX_ADVANCE.days} days: the account's clock moves at most "
            f"{MAX_ADVANCE.days} days at a time.",
            f"Give at most {MAX_ADVANCE.days}d (more in several steps, if you mean it).")


def parse_duration(text: str) -> dt.timedelta:
    """`90m`, `2h`, `1d`, `45s`, `1w`, `1h30m` or ISO 8601 `PT1H30M`, as a timedelta.

    `BadDuration` for anything else, and for a duration `check` refuses."""
    typed = text.strip()
    said = f"`{typed}`"
    negative = typed.startswith("-")
    body = typed[1:].strip() if negative or typed.startswith("+") else typed
    if not body:
        raise BadDuration("No duration given.", f"Give one, as {_EXAMPLES}.")
    seconds = _iso_seconds(body) if body[:1] in "Pp" else _short_seconds(body, said)
    try:
        by = dt.timedelta(seconds=-seconds if negative else seconds)
    except OverflowError:
        raise BadDuration(f"{said} is far too long.", f"Give at most {MAX_ADVANCE.days}d.") \
            from None
    check(by, said)
    return by


def _short_seconds(body: str, said: str) -> float:
    """`1h30m` and the like: numbers, each with its unit."""
    compact = body.lower()
    if compact.replace(".", "", 1).isdigit():
        raise BadDuration(f"{said} has no unit.",
                          f"Say which, as {compact}s, {compact}m, {compact}h or {compact}d.")
    if not _SHORT_WHOLE.fullmatch(compact):
        raise BadDuration(f"{said} is not a duration.", f"Write one as {_EXAMPLES}.")
    return sum(float(p.group("number")) * _UNITS[p.group("unit")]
               for p in _SHORT.finditer(compact))


def _iso_seconds(body: str) -> float:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds (`P1DT2H`)."""
    upper = body.upper()
    date_part = upper.split("T", 1)[0]
    if "Y" in date_part or "M" in date_part:
        raise BadDuration(f"`{body}`: months and years have no fixed length.",
                          "Write it in days, as P30D or 30d.")
    found = _ISO.fullmatch(upper)
    if found is None or not any(found.groupdict().values()) or upper.endswith("T"):
        raise BadDuration(f"`{body}` is not an ISO 8601 duration this clock understands.",
                          f"Write one as {_EXAMPLES}.")
    return sum(float(value.replace(",", ".")) * _UNITS[unit]
               for unit, value in found.groupdict().items() if value is not None)


def describe(by: dt.timedelta) -> str:
    """A duration as a person says it: `1 day 2 hours`, `1 hour 30 minutes`."""
    total = by.total_seconds()
    if total < 0:
        return "-" + describe(-by)
    whole = int(total)
    parts = []
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count} {name}{'s' if count != 1 else ''}")
    fraction = total - int(total)
    if fraction and not parts:
        return f"{total:g} seconds"
    return " ".join(parts) or "0 seconds"
