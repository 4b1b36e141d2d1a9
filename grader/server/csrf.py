"""CSRF protection for the dashboard's forms: each session carries a random token that
every POST form sends back in a hidden field (`csrf`); a POST without it, or with
another, is refused (403) before anything else happens."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

FIELD = "csrf"


def token(session: dict[str, Any]) -> str:
    """The session's token, added to it the first time."""
    if not isinstance(session.get(FIELD), str):
        session[FIELD] = secrets.token_urlsafe(32)
    return str(session[FIELD])


def valid(session: dict[str, Any], sent: object) -> bool:
    expected = session.get(FIELD)
    return (isinstance(expected, str) and isinstance(sent, str)
            and hmac.compare_digest(expected.encode(), sent.encode()))
