"""Instructors' accounts: passwords hashed with argon2 (argon2-cffi), checked in
constant work whether or not the e-mail is known."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from grader.server.database import insert_id
from grader.server.schema import instructors

_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
MIN_PASSWORD = 12
# Verified when the e-mail is unknown, so that the answer takes as long either way.
_DUMMY = _HASHER.hash("not a password of anybody's")


class BadInstructor(ValueError):
    """An e-mail or password that cannot make an instructor (the message says why)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_new(email: str, password: str) -> str:
    """The normalised e-mail when the two can make an instructor; else `BadInstructor`
    (checked before anything is created)."""
    email = normalise_email(email)
    if not _EMAIL.match(email):
        raise BadInstructor(f"{email!r} is not an e-mail address")
    if len(password) < MIN_PASSWORD:
        raise BadInstructor(f"the password must have at least {MIN_PASSWORD} characters")
    return email


def create_instructor(connection: Connection, email: str, password: str) -> int:
    """A new instructor's id; `BadInstructor` for a bad e-mail, short password or taken e-mail."""
    email = check_new(email, password)
    taken = connection.execute(
        sa.select(instructors.c.id).where(instructors.c.email == email)).first()
    if taken:
        raise BadInstructor(f"an instructor {email} exists already")
    return insert_id(connection, instructors.insert().values(
        email=email, password_hash=_HASHER.hash(password),
        created_at=dt.datetime.now(dt.UTC)))


def check_password(connection: Connection, email: str, password: str) -> int | None:
    """The instructor's id when `password` is theirs, else None."""
    row = connection.execute(sa.select(instructors.c.id, instructors.c.password_hash)
                             .where(instructors.c.email == normalise_email(email))).first()
    stored = row.password_hash if row else _DUMMY
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return int(row.id) if row else None
