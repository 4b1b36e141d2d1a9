"""Taking a learner's submission: find the learner by token, check the signature, parse,
check the record's continuity, then store the submission, its record slice and a queued
re-grade in one transaction, committed before the answer is sent.

The same submission id again from the same learner answers as the first time did
(200 instead of 201) and stores nothing twice.

Speed (bench/bench_server_ingest.py): SQLite has one writer at a time, so everything that
can be done before the write transaction is (parsing, the chain links, packing the
slice); on SQLite each process's submissions are prepared and written by one ingest
thread, many to a transaction (`group_commit`); the statements are prepared once
(`prepared`). A process remembers the learners whose tokens it has seen (`known`): the
write itself checks that the learner is still enrolled, so a token revoked meanwhile is
still refused."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from starlette.concurrency import run_in_threadpool

from grader.progress.submission import Rejected, Submission, parse, token_digest, verify
from grader.server import jobs, progress, records, standing
from grader.server.database import is_sqlite, reading
from grader.server.enrolment import learner_by_token
from grader.server.group_commit import GroupCommit, Ready, run_alone
from grader.server.prepared import Prepared
from grader.server.schema import incarnations, incidents, learners, submissions

_RETRIES = 3
_MAX_KNOWN = 100_000  # learners a process remembers by token (then it starts afresh)


@dataclass(frozen=True)
class Answer:
    """What to answer: an HTTP status and a JSON document."""

    status: int
    document: dict[str, Any]
    retry_after: float | None = None


def error(status: int, message: str, fix: str, **more: Any) -> Answer:
    return Answer(status, {"error": message, "fix": fix, **more})


UNKNOWN_TOKEN = ("Your token is unknown to this server, or was revoked.",
                 "Run `grade join URL CODE` again with your instructor's enrolment code.")


class Ingest:
    """Takes submissions into one database; `queued` is set when a re-grade is queued."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.queued = threading.Event()
        self._known: dict[str, Any] = {}  # token digest -> learner row
        self._group = GroupCommit(engine) if is_sqlite(engine) else None

    def learner(self, token: str | None) -> Any:
        """The learner row of a bearer token (None when unknown or revoked), from the
        database; remembered for `known`."""
        if not token:
            return None
        with reading(self.engine) as connection:
            row = learner_by_token(connection, token)
        if row is not None:
            if len(self._known) >= _MAX_KNOWN:
                self._known.clear()
            self._known[token_digest(token)] = row
        return row

    def known(self, token: str | None) -> Any:
        """The learner row of a token this process has seen enrolled (None otherwise:
        ask `learner`). Only for submissions, whose write checks enrolment again."""
        return self._known.get(token_digest(token)) if token else None

    def take(self, learner: Any, token: str, body: bytes, signature: str | None,
             now: dt.datetime | None = None) -> Answer:
        """The answer to a learner's submission, stored when it is a 2xx."""
        prepare = self._preparer(learner, token, body, signature, now)
        for attempt in range(_RETRIES):
            try:
                answer = (self._group.run(prepare) if self._group is not None
                          else run_alone(self.engine, prepare))
                break
            except sa.exc.IntegrityError:  # a concurrent retry of the same id, or a race
                if attempt == _RETRIES - 1:
                    raise
        return self._settled(token, answer)

    async def take_async(self, learner: Any, token: str, body: bytes,
                         signature: str | None) -> Answer:
        """`take` for the event loop: on SQLite the request waits for the ingest thread
        without holding a thread of its own."""
        if self._group is None:
            return await run_in_threadpool(self.take, learner, token, body, signature)
        prepare = self._preparer(learner, token, body, signature, None)
        for attempt in range(_RETRIES):
            try:
                answer = await self._group.run_async(prepare)
                break
            except sa.exc.IntegrityError:
                if attempt == _RETRIES - 1:
                    raise
        return self._settled(token, answer)

    def _preparer(self, learner: Any, token: str, body: bytes, signature: str | None,
                  now: dt.datetime | None) -> Callable[[], Ready[Answer]]:
        """The work before the database: the signature, parsing, packing the slice."""

        def prepare() -> Ready[Answer]:
            received = now or dt.datetime.now(dt.UTC)
            try:
                verify(token, body, signature, now=received.timestamp())
                submission = parse(body)
            except Rejected as refused:
                return Ready(done=error(refused.status, refused.reason, _fix(refused.status)))
            packed = records.pack(submission.record.events) if submission.record else None
            return Ready(write=lambda connection: self._store(
                connection, learner, submission, received, packed))

        return prepare

    def _settled(self, token: str, answer: Answer) -> Answer:
        if answer.status == 401:
            self._known.pop(token_digest(token), None)
        elif answer.status == 201:
            self.queued.set()  # (a live grading's too: the worker finds nothing to do)
        return answer

    def _store(self, connection: Connection, learner: Any, submission: Submission,
               received: dt.datetime, packed: bytes | None) -> Answer:
        """Store `submission` (a write of `group_commit`'s kind)."""
        # One learner's submissions are taken one at a time (PostgreSQL: a row lock;
        # SQLite: the one writer there is, BEGIN IMMEDIATE).
        enrolled = _ENROLLED.first(connection, {"b_id": learner.id})
        if enrolled is None or enrolled.revoked:
            return error(401, *UNKNOWN_TOKEN)
        earlier = _EARLIER.first(connection, {"b_learner": learner.id, "b_id": submission.id})
        if earlier is not None:
            return Answer(200, {"id": submission.id,
                                "record": _head_of(connection, earlier.incarnation_id)})
        extended = None
        if submission.record is not None and submission.account is not None:
            account_id = str(submission.account["accountId"])
            owner = _OTHER_LEARNER.first(connection, {"b_account": account_id,
                                                      "b_learner": learner.id})
            if owner is not None:  # a copy of another learner's simulated account
                _shared_account(connection, learner, int(owner.learner_id), account_id,
                                received)
                return error(403, f"The simulated account {account_id} is another learner's: "
                                  "another learner of this server submitted it first. Each "
                                  "learner works in an account of their own; your instructor "
                                  "has been told.",
                             "Start an account of your own: move your GRADE_HOME's sandbox "
                             "folder away, then `grade sandbox start`, and do the exercises "
                             "there.")
            try:
                extended = records.extend(connection, learner.id,
                                          submission.account["accountId"],
                                          submission.record, received, packed)
            except records.Conflict as conflict:
                if conflict.kind == "rewrite":
                    _incident(connection, learner, conflict, received)
                return error(409, conflict.message, conflict.fix,
                             record=conflict.head.to_json())
        self._insert(connection, learner.id, submission, extended, received, learner.cohort_id)
        head = extended.head.to_json() if extended and extended.incarnation_id else None
        return Answer(201, {"id": submission.id, "record": head})

    def _insert(self, connection: Connection, learner_id: int, submission: Submission,
                extended: records.Extended | None, received: dt.datetime,
                cohort_id: int) -> None:
        flags = list(extended.flags) if extended else []
        live = submission.mode == "live"
        if live:
            flags.append({"flag": "self-reported",
                          "detail": "graded a real AWS account: the server cannot re-grade it"})
        suspicious = any(f["flag"] not in ("started-over", "self-reported") for f in flags)
        counted_as = standing.at_ingest(submission.mode, submission.passed)
        new_id = int(_INSERT_SUBMISSION.first(connection, dict(
            public_id=submission.id, learner_id=learner_id, exercise=submission.exercise,
            mode=submission.mode, graded_at=submission.graded_at, received_at=received,
            learner_passed=submission.passed, learner_verdict=submission.verdict,
            answers=submission.answers, account=submission.account,
            incarnation_id=extended.incarnation_id if extended else None,
            record_seq=extended.head.seq if extended and extended.incarnation_id else None,
            status="self-reported" if live else "queued", standing=counted_as,
            mismatch=False, flags=flags, flagged=suspicious,
        ))[0])
        if not live:
            jobs.enqueue(connection, new_id, received)
        # Only a live pass depends on the cohort's choice (asked with the learner locked).
        accept_live = counted_as == standing.LIVE and progress.accepts_live(connection,
                                                                            cohort_id)
        progress.note_attempt(connection, learner_id, submission.exercise, counted_as,
                              accept_live, suspicious, received)


# Prepared once: a submission runs about ten statements (see `prepared`).
_INSERT_SUBMISSION = Prepared(submissions.insert().returning(submissions.c.id), columns=[
    "public_id", "learner_id", "exercise", "mode", "graded_at", "received_at",
    "learner_passed", "learner_verdict", "answers", "account", "incarnation_id",
    "record_seq", "status", "standing", "mismatch", "flags", "flagged"])
_ENROLLED = Prepared(sa.select(learners.c.revoked).where(
    learners.c.id == sa.bindparam("b_id")).with_for_update())
_EARLIER = Prepared(sa.select(submissions.c.public_id, submissions.c.incarnation_id).where(
    submissions.c.learner_id == sa.bindparam("b_learner"),
    submissions.c.public_id == sa.bindparam("b_id")))


# Another learner, still enrolled, who submitted this account (one who left, with
# `grade leave`, gave it up: the same person joining again keeps their account).
_OTHER_LEARNER = Prepared(sa.select(incarnations.c.learner_id).join(
    learners, learners.c.id == incarnations.c.learner_id).where(
    incarnations.c.account_id == sa.bindparam("b_account"),
    incarnations.c.learner_id != sa.bindparam("b_learner"),
    sa.not_(learners.c.revoked)).limit(1))


def _head_of(connection: Connection, incarnation_id: int | None) -> dict[str, Any] | None:
    if incarnation_id is None:
        return None
    row = connection.execute(sa.select(incarnations.c.account_id, incarnations.c.head_seq,
                                       incarnations.c.head_link)
                             .where(incarnations.c.id == incarnation_id)).one()
    return records.Head(row.account_id, int(row.head_seq), str(row.head_link)).to_json()


def _incident(connection: Connection, learner: Any, conflict: records.Conflict,
              when: dt.datetime) -> None:
    connection.execute(incidents.insert().values(
        learner_id=learner.id, kind="rewrite", account_id=conflict.head.account_id,
        seq=conflict.seq, at=when,
        detail=f"{learner.name} rewrote event {conflict.seq} of account "
               f"{conflict.head.account_id} (seen {when:%Y-%m-%d %H:%M} UTC): the submission "
               "was refused."))
    connection.execute(learners.update().where(learners.c.id == learner.id)
                       .values(incident_count=learners.c.incident_count + 1))


def _shared_account(connection: Connection, learner: Any, owner_id: int, account_id: str,
                    when: dt.datetime) -> None:
    """Tell the instructor, on both learners' pages (once for each learner and account),
    that `learner` submitted the simulated account that `owner_id` submitted first."""
    owner = connection.execute(sa.select(learners.c.id, learners.c.name)
                               .where(learners.c.id == owner_id)).one()
    told = set(connection.execute(sa.select(incidents.c.learner_id).where(
        incidents.c.kind == "shared-account", incidents.c.account_id == account_id)).scalars())
    seen = f"seen {when:%Y-%m-%d %H:%M} UTC"
    details = {
        learner.id: f"{learner.name} submitted the simulated account {account_id}, which "
                    f"{owner.name} submitted first: a copy, or one account shared (refused; "
                    f"{seen}).",
        owner.id: f"{learner.name} submitted {owner.name}'s simulated account {account_id}: "
                  f"a copy, or one account shared ({seen}).",
    }
    for who, detail in details.items():
        if who in told:
            continue
        connection.execute(incidents.insert().values(
            learner_id=who, kind="shared-account", account_id=account_id, seq=None, at=when,
            detail=detail))
        connection.execute(learners.update().where(learners.c.id == who)
                           .values(incident_count=learners.c.incident_count + 1))


def _fix(status: int) -> str:
    if status == 401:
        return "Check this machine's clock, or run `grade join URL CODE` again."
    if status == 413:
        return "The submission is too large; `grade sandbox reset` starts a smaller record."
    return "Update grade (the course's repository) and run `grade submit` again."
