"""Each learner's record of their simulated account, as the server keeps it.

A record belongs to one *incarnation* of an account. `grade sandbox reset` starts a new
one with the same account id; `grade restart NN` a branch, which shares its first events
with the incarnation it came from (`parent_id`, `branched_at`). The server keeps an
incarnation's events in slices (zlib'd JSON, one row per submission that brought new
events) and its head (seq, link, the last event's time, the clock's offset there).

`extend` takes a submission's `RecordSlice`:
- after the head exactly: the new events extend it;
- from before the head: the events the server holds must have the same links (a
  resend), and the rest extend it; a different link is history rewritten (`Conflict`
  "rewrite", the submission refused, an incident kept by the caller);
- from after the head: the server lacks events (`Conflict` "gap"): the client resends
  from the head it is told;
- from seq 0 with a first event no incarnation has: a new incarnation (started over);
- from seq 0, holding a branch's head: that branch, extended (a restored account);
- from seq 0, sharing events 1..N with the branches held and differing from event N+1
  on: an honest start over only if event N+1 is the record's start-over mark
  (`grader.sandbox.start_over.mark`) declaring that it kept N events and replaced an event the
  server holds (or never saw): a new incarnation branches off (flagged "restarted", not
  refused: every event of it is judged again when it is re-graded). Anything else that
  differs from what the server holds is history rewritten: refused, an incident.
It also flags events whose times run backwards or lie ahead of the submission's arrival
(an event's wall time is its time less the account clock's offset at that point).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from grader.progress.submission import GENESIS, RecordSlice, StoredEvent
from grader.sandbox.history.record import CLOCK_EVENT, COLUMNS, START_OVER_EVENT
from grader.sandbox.start_over.mark import StartOver
from grader.server.database import insert_id
from grader.server.prepared import Prepared
from grader.server.schema import incarnations, record_slices

FUTURE_TOLERANCE = dt.timedelta(minutes=5)
_BODY = COLUMNS.index("body")
_TIME = COLUMNS.index("event_time")
_TYPE = COLUMNS.index("event_type")
_PARAMETERS = COLUMNS.index("parameters")


@dataclass(frozen=True)
class Head:
    """Where an incarnation's record ends on the server."""

    account_id: str
    seq: int
    link: str

    def to_json(self) -> dict[str, Any]:
        return {"accountId": self.account_id, "seq": self.seq, "link": self.link}


@dataclass(frozen=True)
class Extended:
    """A slice taken: the incarnation (None for an empty record) and its head now."""

    incarnation_id: int | None
    head: Head
    started_over: bool = False
    flags: list[dict[str, Any]] = field(default_factory=list)


class Conflict(Exception):
    """A slice that does not continue the record the server holds."""

    def __init__(self, kind: str, head: Head, message: str, fix: str,
                 seq: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind  # gap | rewrite
        self.head = head
        self.message = message
        self.fix = fix
        self.seq = seq


# -- storing events -----------------------------------------------------------------

def pack(events: list[StoredEvent] | tuple[StoredEvent, ...]) -> bytes:
    rows = []
    for event in events:
        values = list(event.columns)
        values[_BODY] = base64.b64encode(values[_BODY]).decode("ascii")
        rows.append([event.seq, event.chain, *values])
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode("utf-8"), 6)


def unpack(blob: bytes) -> list[StoredEvent]:
    events = []
    for row in json.loads(zlib.decompress(blob)):
        values = row[2:]
        values[_BODY] = base64.b64decode(values[_BODY])
        events.append(StoredEvent(int(row[0]), tuple(values), str(row[1])))
    return events


def _events_between(connection: Connection, incarnation_id: int, first: int,
                    last: int) -> dict[int, str]:
    """seq -> link of the incarnation's events first..last."""
    rows = connection.execute(
        sa.select(record_slices.c.events)
        .where(record_slices.c.incarnation_id == incarnation_id,
               record_slices.c.first_seq <= last, record_slices.c.last_seq >= first)).all()
    return {e.seq: e.chain for row in rows for e in unpack(row.events)
            if first <= e.seq <= last}


def link_at(connection: Connection, incarnation_id: int, seq: int) -> str | None:
    """The link of the incarnation's event `seq` (GENESIS for 0; None if not held)."""
    if seq == 0:
        return GENESIS
    return _events_between(connection, incarnation_id, seq, seq).get(seq)


# -- taking a slice -------------------------------------------------------------------

def _head(row: Any) -> Head:
    return Head(row.account_id, int(row.head_seq), str(row.head_link))


def extend(connection: Connection, learner_id: int, account_id: str, piece: RecordSlice,
           received_at: dt.datetime, packed: bytes | None = None) -> Extended:
    """Take `piece` into the learner's record of `account_id` (see the module's docstring);
    `packed`: `pack(piece.events)`, made before the transaction (it is most often kept as
    it is)."""
    known = _KNOWN.rows(connection, {"b_learner": learner_id, "b_account": account_id})
    events = piece.events
    target: Any = None
    if piece.after_seq == 0:
        if not events:
            return Extended(None, _head(known[0]) if known else Head(account_id, 0, GENESIS))
        same_start = [row for row in known if row.first_link == events[0].chain]
        if not same_start:  # a record of its own: the first, or a reset's new one
            return _start(connection, learner_id, account_id, events, received_at,
                          started_over=bool(known), packed=packed,
                          declared=_first_declared(events) if known else None)
        links = {e.seq: e.chain for e in events}
        target = next((row for row in same_start
                       if links.get(int(row.head_seq)) == row.head_link), None)
        if target is None:  # it leaves every branch held: only a declared start over may
            return _branch(connection, learner_id, account_id, same_start, events,
                           received_at, packed)
    else:
        target = next((row for row in known if row.head_seq == piece.after_seq
                       and row.head_link == piece.after_link), None)
        if target is None:
            target = next((row for row in known if piece.after_seq <= row.head_seq
                           and link_at(connection, row.id, piece.after_seq) == piece.after_link),
                          None)
        if target is None:
            current = _head(known[0]) if known else Head(account_id, 0, GENESIS)
            if piece.after_seq > current.seq:
                raise Conflict("gap", current,
                               f"The server holds account {account_id}'s record up to event "
                               f"{current.seq}, and this submission starts after event "
                               f"{piece.after_seq}.",
                               "Send the record from the event after the server's head "
                               "(grade submit does it).")
            raise _rewrite(current, piece.after_seq)
    head = _head(target)
    overlap = [e for e in events if e.seq <= head.seq]
    if overlap:
        held = _events_between(connection, target.id, overlap[0].seq, overlap[-1].seq)
        if held.get(overlap[-1].seq) != overlap[-1].chain:
            raise _rewrite(head, next(e.seq for e in overlap if held.get(e.seq) != e.chain))
    new = [e for e in events if e.seq > head.seq]
    if not new:
        return Extended(int(target.id), head)
    flags, last_time, offset = _check_times(str(target.head_time), float(target.clock_offset),
                                            new, received_at)
    kept = packed if packed and len(new) == len(events) else pack(new)
    _INSERT_SLICE.count(connection, {"incarnation_id": target.id, "first_seq": new[0].seq,
                                     "last_seq": new[-1].seq, "events": kept})
    _MOVE_HEAD.count(connection, {"b_id": target.id, "b_seq": new[-1].seq,
                                  "b_link": new[-1].chain, "b_time": last_time,
                                  "b_offset": offset, "b_at": received_at})
    return Extended(int(target.id), Head(account_id, new[-1].seq, new[-1].chain), False, flags)


# Prepared once: ingest runs them for every submission (see `prepared`).
_KNOWN = Prepared(sa.select(incarnations).where(
    incarnations.c.learner_id == sa.bindparam("b_learner"),
    incarnations.c.account_id == sa.bindparam("b_account")).order_by(
    incarnations.c.updated_at.desc(), incarnations.c.id.desc()).with_for_update())
_INSERT_SLICE = Prepared(record_slices.insert(),
                         columns=["incarnation_id", "first_seq", "last_seq", "events"])
_MOVE_HEAD = Prepared(incarnations.update().where(
    incarnations.c.id == sa.bindparam("b_id")).values(
    head_seq=sa.bindparam("b_seq"), head_link=sa.bindparam("b_link"),
    head_time=sa.bindparam("b_time"), clock_offset=sa.bindparam("b_offset"),
    updated_at=sa.bindparam("b_at")))


def _declared(event: StoredEvent) -> StartOver | None:
    """The start over `event` declares, if it is a start-over mark (`start_over.mark`)."""
    if event.columns[_TYPE] != START_OVER_EVENT:
        return None
    try:
        return StartOver.of(json.loads(event.columns[_PARAMETERS]))
    except (TypeError, ValueError):
        return None


def _first_declared(events: tuple[StoredEvent, ...]) -> StartOver | None:
    """The start over a new record declares (a reset's: after the account's first events)."""
    return next((found for e in events if (found := _declared(e)) is not None), None)


def _branch(connection: Connection, learner_id: int, account_id: str, same_start: list[Any],
            events: tuple[StoredEvent, ...], received_at: dt.datetime,
            packed: bytes | None) -> Extended:
    """A record that shares its first events with a branch the server holds, then differs:
    a new branch when the first event that differs is a start-over mark that keeps exactly
    the events before it and names, as the event it replaced, one the server holds (or one
    past the branch's head, which the server never saw); else history rewritten."""
    links = {e.seq: e.chain for e in events}
    shared: list[tuple[int, Any]] = []
    for row in same_start:
        held = _events_between(connection, int(row.id), 1, int(row.head_seq))
        common = 0
        while common + 1 in held and held[common + 1] == links.get(common + 1):
            common += 1
        shared.append((common, row))
    common, parent = max(shared, key=lambda found: found[0])
    first = common + 1
    declared = next((_declared(e) for e in events if e.seq == first), None)
    if declared is None or declared.kept != common:
        raise _rewrite(_head(parent), first)
    if declared.replaced_seq <= int(parent.head_seq) and \
            link_at(connection, int(parent.id), declared.replaced_seq) != declared.replaced_link:
        raise _rewrite(_head(parent), first)
    return _start(connection, learner_id, account_id, events, received_at, started_over=True,
                  branched_at=first, packed=packed, parent_id=int(parent.id), declared=declared)


def _rewrite(head: Head, seq: int) -> Conflict:
    return Conflict("rewrite", head,
                    f"Event {seq} of account {head.account_id}'s record differs from the one "
                    "the server received before: the record was changed.",
                    "A record cannot be changed once sent; your instructor has been told. "
                    "`grade sandbox reset` starts a new account if you need one.", seq)


def _start(connection: Connection, learner_id: int, account_id: str,
           events: tuple[StoredEvent, ...], received_at: dt.datetime,
           started_over: bool, branched_at: int | None = None,
           packed: bytes | None = None, parent_id: int | None = None,
           declared: StartOver | None = None) -> Extended:
    flags, last_time, offset = _check_times("", 0.0, list(events), received_at)
    why = f" ({declared.reason})" if declared else ""
    if branched_at is not None:
        flags.insert(0, {"flag": "restarted", "seq": branched_at,
                         "detail": f"restarted account {account_id} from event "
                                   f"{branched_at - 1}{why}: later events undone"})
    elif started_over:
        flags.insert(0, {"flag": "started-over",
                         "detail": f"started account {account_id} over{why}: a new record"})
    new_id = insert_id(connection, incarnations.insert().values(
        learner_id=learner_id, account_id=account_id, first_link=events[0].chain,
        head_seq=events[-1].seq, head_link=events[-1].chain, head_time=last_time,
        clock_offset=offset, started_at=received_at, updated_at=received_at,
        parent_id=parent_id, branched_at=branched_at - 1 if branched_at else None,
        start_reason=declared.reason[:80] if declared else None,
    ))
    connection.execute(record_slices.insert().values(
        incarnation_id=new_id, first_seq=events[0].seq, last_seq=events[-1].seq,
        events=packed or pack(events)))
    return Extended(new_id, Head(account_id, events[-1].seq, events[-1].chain),
                    started_over, flags)


def _moment(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _clock_seconds(event: StoredEvent) -> float:
    try:
        parameters = json.loads(event.columns[_PARAMETERS])
        return float(parameters.get("seconds", 0))
    except (TypeError, ValueError, AttributeError):
        return 0.0


def _check_times(last_time: str, offset: float, events: list[StoredEvent],
                 received_at: dt.datetime) -> tuple[list[dict[str, Any]], str, float]:
    """Flags for `events` following an event at `last_time` with the clock `offset`
    seconds ahead; the last event's time and the offset after them."""
    flags: list[dict[str, Any]] = []
    previous = _moment(last_time) if last_time else None
    latest = received_at + FUTURE_TOLERANCE
    backwards = future = None
    for event in events:
        text = str(event.columns[_TIME])
        moment = _moment(text)
        if moment is None:
            flags.append({"flag": "bad-time", "seq": event.seq,
                          "detail": f"event {event.seq} has no readable time ({text[:40]!r})"})
            continue
        if previous is not None and moment < previous and backwards is None:
            backwards = event.seq
        if moment - dt.timedelta(seconds=offset) > latest and future is None:
            future = event.seq
        if event.columns[_TYPE] == CLOCK_EVENT:
            offset += _clock_seconds(event)
        previous, last_time = moment, text
    if backwards is not None:
        flags.append({"flag": "time-backwards", "seq": backwards,
                      "detail": f"event {backwards}'s time is before the event's before it"})
    if future is not None:
        flags.append({"flag": "from-the-future", "seq": future,
                      "detail": f"event {future} happened after the submission arrived"})
    return flags, last_time, offset
