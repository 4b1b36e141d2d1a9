"""Dashboard sessions: a signed cookie (itsdangerous) carries the session's CSRF token and,
once someone signs in, a random session id whose SHA-256 the server keeps (`sessions`).

A signed-in cookie counts only while its row exists and has not expired: signing out
deletes the row, so a copied or replayed cookie stops working at once, and whoever reads
the database (its signing key included) learns no session: only digests are stored.
Without a row, a cookie is an anonymous visitor's (a CSRF token for the sign-in forms).
The signing key lives in the database, so that every server process behind a load
balancer reads the same cookies; it is made anew by the migration that brought rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from grader.server.database import reading, writing
from grader.server.schema import learners, sessions, settings
from grader.server.throttle import Clock, utc_now

COOKIE = "grade_session"
LIFETIME = dt.timedelta(hours=12)  # a session ends 12 hours after signing in, at most
MAX_AGE = int(LIFETIME.total_seconds())
_PRINCIPALS = ("instructor", "learner")


def secret_key(engine: Engine) -> str:
    """The cookie signing key, made the first time it is asked for."""
    with writing(engine) as connection:
        row = connection.execute(sa.select(settings.c.value)
                                 .where(settings.c.name == "session_key")).first()
        if row:
            return str(row.value)
        key = secrets.token_urlsafe(48)
        connection.execute(settings.insert().values(name="session_key", value=key))
        return key


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """Reads a request's session, starts and ends signed-in ones, writes the cookie."""

    def __init__(self, engine: Engine, key: str, clock: Clock = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._serializer = URLSafeTimedSerializer(key, salt="grade-server-session")

    def _cookie(self, request: Request) -> dict[str, Any]:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return {}
        try:
            data = self._serializer.loads(raw, max_age=MAX_AGE)
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}

    async def load(self, request: Request) -> dict[str, Any]:
        """The session: who is signed in only if the server still holds that session."""
        data = self._cookie(request)
        if not any(name in data for name in (*_PRINCIPALS, "sid")):
            return data
        held = await run_in_threadpool(self._held, data)
        return data if held else {}

    def _held(self, data: dict[str, Any]) -> bool:
        session_id = data.get("sid")
        if not isinstance(session_id, str) or len(session_id) > 100:
            return False
        with reading(self.engine) as connection:
            row = connection.execute(
                sa.select(sessions.c.instructor_id, sessions.c.learner_id,
                          learners.c.revoked)
                .select_from(sessions.outerjoin(learners,
                                                learners.c.id == sessions.c.learner_id))
                .where(sessions.c.digest == _digest(session_id),
                       sessions.c.expires_at > self.clock())).first()
        if row is None or row.revoked:
            return False
        return bool(data.get("instructor") == row.instructor_id
                    and data.get("learner") == row.learner_id)

    async def start(self, instructor: int | None = None,
                    learner: int | None = None) -> dict[str, Any]:
        """A new signed-in session (a new id and CSRF token), held by the server."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()

        def store() -> None:
            with writing(self.engine) as connection:
                connection.execute(sessions.delete().where(sessions.c.expires_at <= now))
                connection.execute(sessions.insert().values(
                    digest=_digest(session_id), instructor_id=instructor, learner_id=learner,
                    created_at=now, expires_at=now + LIFETIME))

        await run_in_threadpool(store)
        data: dict[str, Any] = {"sid": session_id}
        if instructor is not None:
            data["instructor"] = instructor
        if learner is not None:
            data["learner"] = learner
        return data

    async def end(self, data: dict[str, Any]) -> None:
        """Forget the session on the server: its cookie signs nobody in any more."""
        session_id = data.get("sid")
        if not isinstance(session_id, str):
            return

        def forget() -> None:
            with writing(self.engine) as connection:
                connection.execute(sessions.delete().where(
                    sessions.c.digest == _digest(session_id)))

        await run_in_threadpool(forget)

    def save(self, request: Request, response: Response, data: dict[str, Any]) -> None:
        """Set the cookie: HttpOnly, SameSite=Lax, Secure when the request came over https."""
        response.set_cookie(COOKIE, self._serializer.dumps(data), max_age=MAX_AGE,
                            httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")

    @staticmethod
    def clear(response: Response) -> None:
        response.delete_cookie(COOKIE, path="/")
