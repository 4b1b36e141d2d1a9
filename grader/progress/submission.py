"""A submission: one grading, as `grade` sends it to an instructor's server.

The same module writes it (the learner's `grade`) and reads it (the server),
so the two can never disagree about the format. A submission is one JSON
document, sent gzip-compressed:

    {"format": 1,
     "id": "<uuid4, made when the grading ran: resending it is harmless>",
     "exercise": "03-stop-using-root",
     "gradedAt": "<this machine's UTC time when the grading ran, ISO 8601>",
     "mode": "sandbox" | "live" | "quiz",
     "verdict": {<the `grade --json` document the learner saw>},
     "answers": "<the answers file's text (quizzes, exercises that ask questions)>" | null,
     "account": {<the simulated account's identity, `ACCOUNT_FIELDS`>} | null,
     "record": {"after": {"seq": N, "link": "<the chain link of event N>"},
                "events": [{<an event's stored columns>, "seq": N+1, "chain": "..."}, ...],
                "rewound": false}
               | null}

`record` carries the simulated account's record from just after the last
event the server acknowledged (`after`; seq 0 and `GENESIS` for the whole
record) up to the grading: the server keeps each learner's record, checks
that the new events extend the chain it already holds (`grader.sandbox.history.record`:
each event's link hashes the one before), and replays the whole record into
a fresh account to grade it again. `rewound` says the learner's record was cut
back since the server last saw it (`grade restart`: the account rebuilt from an
earlier point): the new events branch off at `after`, and the server shows the
restart instead of refusing a rewritten history. Live gradings (a real AWS account) have no
account and no record: the server keeps them as self-reported.

The request is signed with the learner's token (`sign`, `verify`):
`Authorization: Bearer TOKEN` names the learner (the server keeps only the
token's SHA-256), and `X-Grade-Signature: t=UNIX,v1=HEX` is HMAC-SHA256 of
`"{t}."` + the body as sent, keyed by the token.

`parse` refuses anything malformed with `Rejected` (an HTTP status and one
line saying what is wrong); nothing of a refused submission is kept.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import hmac
import json
import re
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

from grader.sandbox.account import Account
from grader.sandbox.history.record import COLUMNS, chain_link
from grader.sandbox.history.record import GENESIS as GENESIS

FORMAT = 1
MAX_SENT_BYTES = 8 * 1024 * 1024  # compressed, as sent
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024  # once decompressed (a gzip bomb stops here)
MAX_EVENTS = 200_000
MAX_ANSWERS_CHARS = 1_000_000
SIGNATURE_HEADER = "X-Grade-Signature"
SIGNATURE_MAX_AGE = dt.timedelta(minutes=15)  # either way: a machine's clock may be a bit off
ACCOUNT_FIELDS = ("accountId", "seed", "openedAt", "rootEmail", "rootPassword", "region")
MODES = ("sandbox", "live", "quiz")
_EXERCISE_ID = re.compile(r"^\d{2}-[a-z0-9]+(-[a-z0-9]+)*$")
_LINK = re.compile(r"^[0-9a-f]{64}$")
# The stored columns whose values are text, integers, or the request's bytes.
_INTEGER_COLUMNS = {"read_only", "status", "replay"}
_OPTIONAL_COLUMNS = {"principal_name", "principal_arn", "principal_id", "access_key_id",
                     "response", "error_code", "error_message", "source_ip", "user_agent",
                     "request_id"}


class Rejected(Exception):
    """A submission that cannot be taken: `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class StoredEvent:
    """One event of the record exactly as stored (`COLUMNS`), its seq and its link."""

    seq: int
    columns: tuple[Any, ...]  # in `COLUMNS` order; `body` is bytes
    chain: str

    def value(self, name: str) -> Any:
        return self.columns[COLUMNS.index(name)]

    def to_json(self) -> dict[str, Any]:
        document = dict(zip(COLUMNS, self.columns, strict=True))
        document["body"] = base64.b64encode(self.value("body")).decode("ascii")
        document["seq"] = self.seq
        document["chain"] = self.chain
        return document


@dataclass(frozen=True)
class RecordSlice:
    """Events after the event `after_seq` (whose link is `after_link`), in order."""

    after_seq: int
    after_link: str
    events: tuple[StoredEvent, ...]
    rewound: bool = False  # cut back (`grade restart`) since the server last saw it

    @property
    def head(self) -> tuple[int, str]:
        """(seq, link) of the slice's last event (of `after` when it has none)."""
        if not self.events:
            return self.after_seq, self.after_link
        last = self.events[-1]
        return last.seq, last.chain

    def to_json(self) -> dict[str, Any]:
        return {"after": {"seq": self.after_seq, "link": self.after_link},
                "events": [e.to_json() for e in self.events], "rewound": self.rewound}


@dataclass(frozen=True)
class Submission:
    id: str
    exercise: str
    graded_at: dt.datetime
    mode: str
    verdict: dict[str, Any]
    answers: str | None = None
    account: dict[str, Any] | None = None
    record: RecordSlice | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """What the learner's own grading said."""
        return self.verdict.get("passed") is True

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "id": self.id, "exercise": self.exercise,
            "gradedAt": self.graded_at.isoformat(), "mode": self.mode,
            "verdict": self.verdict, "answers": self.answers, "account": self.account,
            "record": self.record.to_json() if self.record else None,
        }

    def encode(self) -> bytes:
        """The body to send: the JSON document, gzip-compressed (mtime 0)."""
        text = json.dumps(self.to_json(), separators=(",", ":"))
        return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def new_id() -> str:
    return str(uuid.uuid4())


def account_identity(account: Account) -> dict[str, Any]:
    """What a submission says of the simulated account (`ACCOUNT_FIELDS`: never its
    grader key, which the server makes its own)."""
    return {"accountId": account.account_id, "seed": account.seed,
            "openedAt": account.opened_at, "rootEmail": account.root_email,
            "rootPassword": account.root_password, "region": account.region}


# -- signing ---------------------------------------------------------------------------

def token_digest(token: str) -> str:
    """What the server keeps of a learner's token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign(token: str, body: bytes, now: float | None = None) -> str:
    """The `X-Grade-Signature` header's value for `body`, sent now."""
    moment = int(time.time() if now is None else now)
    mac = hmac.new(token.encode("utf-8"), f"{moment}.".encode() + body, hashlib.sha256)
    return f"t={moment},v1={mac.hexdigest()}"


def verify(token: str, body: bytes, header: str | None, now: float | None = None) -> None:
    """`Rejected` (401) unless `header` is `sign(token, body)` made within the allowed age."""
    if not header:
        raise Rejected(401, f"The submission is not signed ({SIGNATURE_HEADER} is missing).")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        moment = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        raise Rejected(401, f"{SIGNATURE_HEADER} is not t=UNIX,v1=HEX.") from None
    current = time.time() if now is None else now
    if abs(current - moment) > SIGNATURE_MAX_AGE.total_seconds():
        raise Rejected(401, "The submission's signature is too old or from the future: "
                            "check this machine's clock.")
    expected = hmac.new(token.encode("utf-8"), f"{moment}.".encode() + body, hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), given):
        raise Rejected(401, "The submission's signature does not match its token.")


# -- reading ---------------------------------------------------------------------------

def decode(body: bytes) -> dict[str, Any]:
    """The JSON document of a body as sent (gzip or plain JSON), within the size limits."""
    if len(body) > MAX_SENT_BYTES:
        raise Rejected(413, f"The submission is larger than {MAX_SENT_BYTES} bytes.")
    raw = body
    if body[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(wbits=31)
        try:
            raw = inflater.decompress(body, MAX_DOCUMENT_BYTES + 1)
        except zlib.error:
            raise Rejected(400, "The submission is not valid gzip.") from None
        if len(raw) > MAX_DOCUMENT_BYTES or inflater.unconsumed_tail:
            raise Rejected(413, f"The submission is larger than {MAX_DOCUMENT_BYTES} bytes "
                                "once decompressed.")
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Rejected(400, "The submission is not JSON.") from None
    if not isinstance(document, dict):
        raise Rejected(400, "The submission is not a JSON object.")
    return document


def parse(body: bytes) -> Submission:
    """The submission in `body`, validated; `Rejected` saying what is wrong otherwise."""
    document = decode(body)
    if document.get("format") != FORMAT:
        raise Rejected(400, f"Unknown submission format {document.get('format')!r} "
                            f"(this server reads format {FORMAT}): update grade.")
    sub_id = _text(document, "id", 64)
    try:
        uuid.UUID(sub_id)
    except ValueError:
        raise Rejected(400, "id is not a UUID.") from None
    exercise = _text(document, "exercise", 80)
    if not _EXERCISE_ID.match(exercise):
        raise Rejected(400, f"exercise {exercise!r} is not an exercise id.")
    graded_at = _moment(document, "gradedAt")
    mode = _text(document, "mode", 16)
    if mode not in MODES:
        raise Rejected(400, f"mode must be one of {', '.join(MODES)}.")
    verdict = document.get("verdict")
    if not isinstance(verdict, dict) or not isinstance(verdict.get("checks"), list) \
            or not isinstance(verdict.get("passed"), bool):
        raise Rejected(400, "verdict is not a `grade --json` document.")
    if verdict.get("exercise") != exercise:
        raise Rejected(400, "verdict is for another exercise than the submission's.")
    answers = document.get("answers")
    if answers is not None and (not isinstance(answers, str)
                                or len(answers) > MAX_ANSWERS_CHARS):
        raise Rejected(400, "answers must be the answers file's text (at most 1 MB).")
    account = _account(document.get("account"))
    record = _record(document.get("record"))
    if mode == "sandbox" and (account is None or record is None):
        raise Rejected(400, "A grading of the simulated account needs its account and record.")
    if mode == "live" and (account is not None or record is not None):
        raise Rejected(400, "A live grading has no simulated account or record.")
    return Submission(sub_id, exercise, graded_at, mode, verdict, answers, account, record)


def _text(document: dict[str, Any], key: str, limit: int) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise Rejected(400, f"{key} must be a non-empty string of at most {limit} characters.")
    return value


def _moment(document: dict[str, Any], key: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(_text(document, key, 40))
    except ValueError:
        raise Rejected(400, f"{key} is not an ISO 8601 time.") from None
    if moment.tzinfo is None:
        raise Rejected(400, f"{key} has no time zone.")
    return moment.astimezone(dt.UTC)


def _account(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != set(ACCOUNT_FIELDS):
        raise Rejected(400, f"account must have exactly {', '.join(ACCOUNT_FIELDS)}.")
    if not (isinstance(value["accountId"], str) and re.fullmatch(r"\d{12}", value["accountId"])):
        raise Rejected(400, "account.accountId is not a 12-digit account id.")
    if isinstance(value["seed"], bool) or not isinstance(value["seed"], int) \
            or not 0 <= value["seed"] < 2**63:
        raise Rejected(400, "account.seed is not a non-negative integer.")
    for key in ("openedAt", "rootEmail", "rootPassword", "region"):
        if not isinstance(value[key], str) or not 0 < len(value[key]) <= 200:
            raise Rejected(400, f"account.{key} must be a short string.")
    _moment(value, "openedAt")
    return dict(value)


def _record(value: Any) -> RecordSlice | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("after"), dict) \
            or not isinstance(value.get("events"), list):
        raise Rejected(400, "record must be {after: {seq, link}, events: [...]}.")
    after = value["after"]
    after_seq, after_link = after.get("seq"), after.get("link")
    if isinstance(after_seq, bool) or not isinstance(after_seq, int) or after_seq < 0 \
            or not isinstance(after_link, str) or not _LINK.match(after_link):
        raise Rejected(400, "record.after must be {seq: N >= 0, link: 64 hex digits}.")
    if after_seq == 0 and after_link != GENESIS:
        raise Rejected(400, "record.after.link of seq 0 must be the chain's start.")
    if len(value["events"]) > MAX_EVENTS:
        raise Rejected(413, f"The record slice has more than {MAX_EVENTS} events.")
    events: list[StoredEvent] = []
    previous_seq, previous_link = after_seq, after_link
    for position, raw in enumerate(value["events"]):
        event = _event(raw, position)
        if event.seq != previous_seq + 1:
            raise Rejected(400, f"record.events[{position}] has seq {event.seq}, "
                                f"not {previous_seq + 1}.")
        if chain_link(previous_link, list(event.columns)) != event.chain:
            raise Rejected(400, f"record.events[{position}] (seq {event.seq}) does not "
                                "follow from the event before it: its chain link is wrong.")
        events.append(event)
        previous_seq, previous_link = event.seq, event.chain
    rewound = value.get("rewound", False)
    if not isinstance(rewound, bool):
        raise Rejected(400, "record.rewound must be true or false.")
    return RecordSlice(after_seq, after_link, tuple(events), rewound)


def _event(raw: Any, position: int) -> StoredEvent:
    if not isinstance(raw, dict):
        raise Rejected(400, f"record.events[{position}] is not an object.")
    values: list[Any] = []
    try:
        for name, kind in _KINDS:
            item = raw[name]
            if kind is str:
                if item.__class__ is not str and (item is not None
                                                  or name not in _OPTIONAL_COLUMNS):
                    raise _bad_column(position, name, "is not a string")
            elif kind is int:
                if item.__class__ is not int:
                    raise _bad_column(position, name, "is not an integer")
            else:  # the request's bytes, base64
                try:
                    item = base64.b64decode(item, validate=True)
                except (ValueError, TypeError):
                    raise _bad_column(position, name, "is not base64") from None
            values.append(item)
        seq, link = raw["seq"], raw["chain"]
    except KeyError as missing:
        raise Rejected(400, f"record.events[{position}] lacks {missing.args[0]}.") from None
    if seq.__class__ is not int or link.__class__ is not str or not _LINK.match(link):
        raise Rejected(400, f"record.events[{position}] has a bad seq or chain link.")
    return StoredEvent(seq, tuple(values), link)


# What each stored column holds: text (`str`; some may be null), a number (`int`), or
# the request's bytes (`bytes`, sent as base64).
_KINDS = tuple((name, bytes if name == "body" else int if name in _INTEGER_COLUMNS else str)
               for name in COLUMNS)


def _bad_column(position: int, name: str, what: str) -> Rejected:
    if name in _OPTIONAL_COLUMNS:
        what += " or null"
    return Rejected(400, f"record.events[{position}].{name} {what}.")
