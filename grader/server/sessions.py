"""Signed session cookies (itsdangerous): who is signed in (an instructor or a learner)
and the session's CSRF token. The signing key lives in the database, so that every
server process behind a load balancer reads the same cookies."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response

from grader.server.database import writing
from grader.server.schema import settings

COOKIE = "grade_session"
MAX_AGE = int(dt.timedelta(hours=12).total_seconds())


def secret_key(engine: Engine) -> str:
    """The session signing key, made the first time it is asked for."""
    with writing(engine) as connection:
        row = connection.execute(sa.select(settings.c.value)
                                 .where(settings.c.name == "session_key")).first()
        if row:
            return str(row.value)
        key = secrets.token_urlsafe(48)
        connection.execute(settings.insert().values(name="session_key", value=key))
        return key


class Sessions:
    """Reads a request's session and writes it to a response."""

    def __init__(self, key: str) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="grade-server-session")

    def load(self, request: Request) -> dict[str, Any]:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return {}
        try:
            data = self._serializer.loads(raw, max_age=MAX_AGE)
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}

    def save(self, request: Request, response: Response, data: dict[str, Any]) -> None:
        """Set the cookie: HttpOnly, SameSite=Lax, Secure when the request came over https."""
        response.set_cookie(COOKIE, self._serializer.dumps(data), max_age=MAX_AGE,
                            httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")

    @staticmethod
    def clear(response: Response) -> None:
        response.delete_cookie(COOKIE, path="/")
