"""Cohorts and joining one: an instructor's cohort has an enrolment code; a learner who
gives it (and a display name) gets a public id and a secret token, of which the server
keeps only the SHA-256 (`grader.progress.submission.token_digest`).

A cohort takes at most `JOINS_PER_CODE` joins a minute, counted from its learners' join
times (so every server process counts the same): a whole class joins at once, a flood
of fake learners on a leaked code does not."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from grader.progress.submission import token_digest
from grader.server.database import insert_id
from grader.server.schema import cohorts, learners

MAX_NAME = 100
JOINS_PER_CODE = 100  # joins per `JOIN_WINDOW`, per cohort
JOIN_WINDOW = dt.timedelta(minutes=1)


class BadEnrolment(ValueError):
    """A cohort or a join that cannot be made; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str, fix: str,
                 retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.fix = fix
        self.retry_after = retry_after  # seconds, for a 429


@dataclass(frozen=True)
class Joined:
    learner: str  # public id
    token: str
    cohort: str


def clean_name(name: object, what: str = "name") -> str:
    """A display name: 1-100 characters once trimmed, no control characters."""
    if not isinstance(name, str) or not name.strip():
        raise BadEnrolment(400, f"{what} is missing.", f"Give a {what} of 1-{MAX_NAME} characters.")
    cleaned = " ".join(name.split())
    if len(cleaned) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        raise BadEnrolment(400, f"{what} must be 1-{MAX_NAME} printable characters.",
                           f"Give a shorter {what}.")
    return cleaned


def new_code() -> str:
    """An enrolment code: 10 characters from an alphabet without look-alikes, in 2 groups."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def create_cohort(connection: Connection, instructor_id: int, name: str) -> tuple[int, str]:
    """A new open cohort's (id, enrolment code)."""
    name = clean_name(name, "cohort name")
    code = new_code()
    new_id = insert_id(connection, cohorts.insert().values(
        instructor_id=instructor_id, name=name, code=code, open=True,
        created_at=dt.datetime.now(dt.UTC)))
    return new_id, code


def join(connection: Connection, code: object, name: object,
         now: dt.datetime | None = None, limited: bool = False) -> Joined:
    """Enrol a learner in the open cohort whose code is `code` (404 when there is none;
    when `limited`, as joins over HTTP are, 429 when the cohort has taken `JOINS_PER_CODE`
    joins in the last `JOIN_WINDOW`)."""
    moment = now or dt.datetime.now(dt.UTC)
    if not isinstance(code, str) or not 0 < len(code) <= 64:
        raise BadEnrolment(400, "code is missing.", "Give the enrolment code your instructor gave.")
    display = clean_name(name)
    cohort = connection.execute(
        sa.select(cohorts.c.id, cohorts.c.name)
        .where(cohorts.c.code == code.strip().upper(), cohorts.c.open.is_(True))).first()
    if cohort is None:
        raise BadEnrolment(404, "No open cohort has this enrolment code.",
                           "Check the code with your instructor.")
    if limited:
        _within_rate(connection, int(cohort.id), moment)
    token = secrets.token_urlsafe(32)
    public_id = "l_" + secrets.token_urlsafe(12)
    connection.execute(learners.insert().values(
        public_id=public_id, cohort_id=cohort.id, name=display,
        token_digest=token_digest(token), revoked=False, joined_at=moment,
        last_activity=None, passed_count=0, incident_count=0))
    return Joined(public_id, token, str(cohort.name))


def _within_rate(connection: Connection, cohort_id: int, now: dt.datetime) -> None:
    since = now - JOIN_WINDOW
    count, oldest = connection.execute(
        sa.select(sa.func.count(), sa.func.min(learners.c.joined_at))
        .where(learners.c.cohort_id == cohort_id, learners.c.joined_at > since)).one()
    if count >= JOINS_PER_CODE:
        wait = (oldest - since).total_seconds() if oldest is not None else 1.0
        raise BadEnrolment(429, "Too many joins with this enrolment code just now.",
                           "Wait a minute and try again.", max(1.0, wait))


def learner_by_token(connection: Connection, token: str) -> Any:
    """(id, public_id, cohort_id, name) of the learner whose token this is, unless revoked."""
    return connection.execute(_BY_TOKEN, {"b_digest": token_digest(token)}).first()


_BY_TOKEN = sa.select(learners.c.id, learners.c.public_id, learners.c.cohort_id,
                      learners.c.name).where(learners.c.token_digest == sa.bindparam("b_digest"),
                                             learners.c.revoked.is_(False))


def leave(connection: Connection, learner_id: int) -> None:
    """Revoke the learner's token: nothing it signs is taken any more."""
    connection.execute(learners.update().where(learners.c.id == learner_id).values(revoked=True))
