"""The record of who did what in the simulated account.

Every request that reaches the account is one `Event`: its caller, time,
service, operation, parameters and outcome, and (so that the account can be
rebuilt by replaying it) the request itself. The record is an SQLite file
under GRADE_HOME, written before the response leaves, so a killed sandbox
loses nothing that a learner was told had happened. CloudTrail's
LookupEvents and the checks read it; `replay` rebuilds the account from it.
The record also says which moto and botocore made its events (`made_with`):
what an account rebuilds into depends on them.

Each event also carries a link of a **hash chain**: the SHA-256 of the previous
event's link and of the event as stored (`chain`). Changing, inserting or
removing an event anywhere breaks every link after it (`Record.verify`), so
whoever kept an earlier link (the instructor's server, #13) can tell a record
that grew from one that was rewritten. A record written before the chain
existed gets its links when first opened.

Besides requests to AWS, the record keeps the account's own events
(`ACCOUNT_EVENTS`), in order with the rest: the account clock's advances
(`CLOCK_EVENT`: `grade sandbox advance`), so that replaying it gives the clock
back too, the marks of a start over (`START_OVER_EVENT`), and the WebAuthn
challenges the console handed out (`CHALLENGE_EVENT`), so that a passkey's
answers can be judged again. They are
not AWS calls: `Record.events` leaves them out unless asked for them (`clock`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

RECORD_FILE = "record.sqlite"

# The event type of the account clock's own events (an advance): no AWS call, so
# CloudTrail never shows one. (AWS's own types: AwsApiCall, AwsConsoleSignIn.)
CLOCK_EVENT = "AccountClock"
# The event type that opens a new branch of the record: `grade restart`, `grade sandbox
# reset` (`start_over.mark`). Not an AWS call either; nothing to replay.
START_OVER_EVENT = "AccountStartOver"
# The event type of a WebAuthn challenge the console handed out (`console.passkeys`):
# what judging a passkey's answer again needs. Not an AWS call either.
CHALLENGE_EVENT = "AccountChallenge"
# The account's own events, which CloudTrail and the checks never see.
ACCOUNT_EVENTS = (CLOCK_EVENT, START_OVER_EVENT, CHALLENGE_EVENT)

# True while the account is being rebuilt from its record: the requests being
# handled again already happened (they were judged then), so rules that only
# decide whether a request may happen, like the password policy, stand aside.
REPLAYING: ContextVar[bool] = ContextVar("replaying", default=False)

_COLUMNS = """
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_time TEXT NOT NULL,
    event_type TEXT NOT NULL,
    identity_type TEXT NOT NULL,
    principal_name TEXT,
    principal_arn TEXT,
    principal_id TEXT,
    access_key_id TEXT,
    service TEXT NOT NULL,
    operation TEXT NOT NULL,
    region TEXT NOT NULL,
    read_only INTEGER NOT NULL,
    parameters TEXT NOT NULL,
    response TEXT,
    status INTEGER NOT NULL,
    error_code TEXT,
    error_message TEXT,
    source_ip TEXT,
    user_agent TEXT,
    request_id TEXT,
    resources TEXT NOT NULL,
    replay INTEGER NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL,
    chain TEXT
"""
GENESIS = "0" * 64  # the link before the first event


@dataclass
class Event:
    """One request to the simulated account, as it was made and as it ended."""

    event_id: str
    event_time: str  # ISO 8601 UTC with microseconds: the account's clock for it
    event_type: str  # AwsApiCall | AwsConsoleSignIn | one of `ACCOUNT_EVENTS`
    identity_type: str  # Root | IAMUser | AssumedRole | Unknown
    principal_name: str | None
    principal_arn: str | None
    principal_id: str | None
    access_key_id: str | None
    service: str  # the signing name: "iam", "sts", "s3", "cloudtrail"...
    operation: str  # the API operation: "CreateUser"
    region: str
    read_only: bool
    parameters: dict[str, Any]  # the request parameters, secrets hidden
    response: dict[str, Any] | None
    status: int
    error_code: str | None
    error_message: str | None
    source_ip: str
    user_agent: str
    request_id: str
    resources: list[dict[str, str]]  # [{"type": "AWS::IAM::User", "name": "alice"}]
    replay: bool  # True when rebuilding the account must send it again
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    seq: int = field(default=0)


_JSON_FIELDS = {"parameters", "response", "resources", "headers"}
# The stored columns, in order (`seq` and `chain` aside): what a chain link hashes.
COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Event) if f.name != "seq")


class Record:
    """The durable, append-only list of events of one simulated account."""

    def __init__(self, path: Path) -> None:
        self.path = path
        new = not path.exists()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if new:
            path.chmod(0o600)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(f"CREATE TABLE IF NOT EXISTS events ({_COLUMNS})")
        self._db.execute("CREATE INDEX IF NOT EXISTS events_time ON events(event_time)")
        # Which moto and botocore made the events from `first_seq` on (a record made before
        # this table says nothing of its versions: `made_with` is empty for it).
        self._db.execute("CREATE TABLE IF NOT EXISTS made_with (first_seq INTEGER PRIMARY "
                         "KEY, moto TEXT NOT NULL, botocore TEXT NOT NULL)")
        self._names = list(COLUMNS)
        self.head = self._link_unchained()  # the last event's link
        self._versions_noted = False

    def close(self) -> None:
        self._db.close()

    def append(self, event: Event) -> int:
        """Store `event` durably, linked to the one before, and return its sequence number."""
        row = asdict(event)
        values = [_to_column(name, row[name]) for name in self._names]
        marks = ",".join("?" for _ in (*self._names, "chain"))
        with self._lock:
            link = chain_link(self.head, values)
            cursor = self._db.execute(
                f"INSERT INTO events ({','.join(self._names)},chain) VALUES ({marks})",
                [*values, link])
            self.head = link
            if not self._versions_noted:
                self._note_versions(int(cursor.lastrowid or 0))
        event.seq = int(cursor.lastrowid or 0)
        return event.seq

    def made_with(self) -> list[tuple[int, str, str]]:
        """(first seq, moto's version, botocore's) for each run of events this record's
        processes made with the same versions, oldest first; empty for a record made
        before the versions were kept (replaying it is trusted to rebuild it as made)."""
        with self._lock:
            rows = self._db.execute("SELECT first_seq, moto, botocore FROM made_with "
                                    "ORDER BY first_seq").fetchall()
        return [(int(seq), str(moto), str(botocore)) for seq, moto, botocore in rows]

    def _note_versions(self, seq: int) -> None:
        """Say, once per process, which moto and botocore make the events from `seq` on
        (unless they made the ones before it too)."""
        now = made_by()
        last = self._db.execute("SELECT moto, botocore FROM made_with "
                                "ORDER BY first_seq DESC LIMIT 1").fetchone()
        if last is None or tuple(last) != now:
            self._db.execute("INSERT OR REPLACE INTO made_with VALUES (?, ?, ?)", (seq, *now))
        self._versions_noted = True

    def append_stored(self, events: Iterable[tuple[int, tuple[Any, ...], str]],
                      after: int | None = None) -> None:
        """Store events exactly as another record stored them, (seq, columns, link) each:
        an instructor's server rebuilding a learner's record. ValueError, and nothing
        stored, unless each is the next event and its link follows from the one before.
        `after`: the seq of the last event stored before (default: as many as the record
        holds; not so once some were dropped)."""
        with self._lock:
            head = self.head
            expected = (after if after is not None else int(
                self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])) + 1
            marks = ",".join("?" for _ in (*self._names, "seq", "chain"))
            self._db.execute("BEGIN")
            try:
                for seq, columns, link in events:
                    if seq != expected or chain_link(head, list(columns)) != link:
                        raise ValueError(f"event {seq} does not follow event {expected - 1}")
                    self._db.execute(
                        f"INSERT INTO events ({','.join(self._names)},seq,chain) "
                        f"VALUES ({marks})", [*columns, seq, link])
                    head, expected = link, expected + 1
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self.head = head

    def cut_back(self, events: int, mark: Event) -> int:
        """Keep only the first `events` events, then `mark` (a `START_OVER_EVENT`) after
        them, in one transaction: the record is never cut without saying so. Returns
        the mark's sequence number."""
        row = asdict(mark)
        values = [_to_column(name, row[name]) for name in self._names]
        marks = ",".join("?" for _ in (*self._names, "chain"))
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM events WHERE seq > ?", (events,))
                self._db.execute("DELETE FROM made_with WHERE first_seq > ?", (events,))
                self._versions_noted = False
                last = self._db.execute("SELECT chain FROM events WHERE seq = ?",
                                        (events,)).fetchone()
                head = str(last[0]) if last else GENESIS
                link = chain_link(head, values)
                cursor = self._db.execute(
                    f"INSERT INTO events ({','.join(self._names)},chain) VALUES ({marks})",
                    [*values, link])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self.head = link
        mark.seq = int(cursor.lastrowid or 0)
        return mark.seq

    def drop(self, seqs: list[int]) -> None:
        """Take events out (an instructor's server's rebuilt copy of a learner's record:
        the events that did not happen as recorded). The chain no longer holds after."""
        with self._lock:
            self._db.executemany("DELETE FROM events WHERE seq = ?", [(s,) for s in seqs])

    def verify(self) -> int | None:
        """The sequence number of the first event whose link does not hold (it, or one
        before it, was changed, inserted or removed); None when the chain is whole."""
        previous = GENESIS
        for seq, values, link in self.stored():
            if link != chain_link(previous, list(values)):
                return seq
            previous = link
        return None

    def stored(self, after: int = 0) -> list[tuple[int, tuple[Any, ...], str]]:
        """(seq, columns as stored, link) of every event after seq `after`, in order:
        what a submission to an instructor's server carries (`grader.progress.submission`)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT seq,{','.join(self._names)},chain FROM events WHERE seq > ? "
                "ORDER BY seq", (after,)).fetchall()
        return [(int(r[0]), tuple(bytes(v) if isinstance(v, memoryview) else v
                                  for v in r[1:-1]), str(r[-1])) for r in rows]

    def link_of(self, seq: int) -> str | None:
        """The chain link of event `seq` (`GENESIS` for 0; None when there is no such event)."""
        if seq == 0:
            return GENESIS
        with self._lock:
            row = self._db.execute("SELECT chain FROM events WHERE seq = ?", (seq,)).fetchone()
        return str(row[0]) if row else None

    def _link_unchained(self) -> str:
        """Give the events written before the chain existed their links (once); the head."""
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(events)")}
        if "chain" not in columns:
            self._db.execute("ALTER TABLE events ADD COLUMN chain TEXT")
        unlinked = self._db.execute(
            "SELECT COUNT(*) FROM events WHERE chain IS NULL").fetchone()[0]
        if unlinked:
            previous = GENESIS
            self._db.execute("BEGIN")
            for row in self._db.execute(
                    f"SELECT seq,{','.join(self._names)},chain FROM events ORDER BY seq"
                    ).fetchall():
                seq, values, link = row[0], list(row[1:-1]), row[-1]
                if link is None:
                    link = chain_link(previous, values)
                    self._db.execute("UPDATE events SET chain = ? WHERE seq = ?", (link, seq))
                previous = link
            self._db.execute("COMMIT")
        last = self._db.execute("SELECT chain FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        return str(last[0]) if last else GENESIS

    def events(self, where: str = "", args: tuple[Any, ...] = (), newest_first: bool = False,
               limit: int | None = None, offset: int = 0, *,
               clock: bool = False, without_request: bool = False) -> Iterator[Event]:
        """Events in order of arrival (or newest first), optionally filtered by SQL.

        The account's own events (`ACCOUNT_EVENTS`: the clock's advances, the marks of
        a start over, the console's challenges) are left out, as they are from
        CloudTrail, unless `clock` is True (replaying the record needs them). With
        `without_request`, the requests themselves (headers and body, what only a
        replay needs) are not read: the events come with none, and quicker."""
        order = "DESC" if newest_first else "ASC"
        columns = [f"'{{}}' AS {name}" if without_request and name == "headers"
                   else f"X'' AS {name}" if without_request and name == "body" else name
                   for name in self._names]
        sql = f"SELECT seq,{','.join(columns)} FROM events"
        conditions = [f"({where})"] if where else []
        if not clock:
            conditions.append(f"event_type NOT IN ({','.join('?' for _ in ACCOUNT_EVENTS)})")
            args = (*args, *ACCOUNT_EVENTS)
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += f" ORDER BY seq {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        names = ("seq", *self._names)
        for row in rows:
            values = dict(zip(names, row, strict=True))
            for name in _JSON_FIELDS:
                values[name] = _from_json(values[name])
            values["read_only"] = bool(values["read_only"])
            values["replay"] = bool(values["replay"])
            values["body"] = bytes(values["body"])
            yield Event(**values)

    def count(self) -> int:
        """How many events the record holds, the clock's included."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def made_by() -> tuple[str, str]:
    """The versions of moto and botocore in this process: what its events are made with."""
    from importlib.metadata import version

    return version("moto"), version("botocore")


def chain_link(previous: str, values: list[Any]) -> str:
    """The link of an event stored as `values` (its columns, in order) after `previous`:
    SHA-256 of the previous link, a newline, and the columns as compact JSON (bytes as
    hex)."""
    canonical = _COMPACT_JSON([bytes(v).hex() if isinstance(v, _BINARY) else v
                               for v in values])
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


_BINARY = (bytes, bytearray, memoryview)
# json.dumps(..., separators=(",", ":")), without making an encoder for every call.
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":")).encode


def _to_column(name: str, value: Any) -> Any:
    if name in _JSON_FIELDS:
        return json.dumps(value, default=str, sort_keys=True)
    if isinstance(value, bool):
        return int(value)
    return value


_EMPTY_JSON: dict[str, Any] = {"null": None, "{}": {}, "[]": []}


def _from_json(text: str | None) -> Any:
    """A JSON column's value (the empty ones, most of them, without the parser)."""
    if text is None:
        return None
    if text in _EMPTY_JSON:
        empty = _EMPTY_JSON[text]
        return type(empty)() if empty is not None else None
    return json.loads(text)
