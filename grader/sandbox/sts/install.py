"""Apply the STS additions (AssumeRole and GetSessionToken as AWS answers them, seeded
session tokens) to moto, once per process."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import moto.sts.models
from moto.sts.models import STSBackend
from moto.sts.responses import TokenResponse

from grader.sandbox.sts import models, responses, session_tokens

_installed = False


def _caller_identity(original: Callable[..., tuple[str, str, str]]) -> Any:
    """GetCallerIdentity with GetSessionToken's credentials: the user (or root) itself."""
    @functools.wraps(original)
    def get_caller_identity(self: STSBackend, access_key_id: str,
                            region: str) -> tuple[str, str, str]:
        session = session_tokens.user_session_for_key(self.account_id, access_key_id)
        if session is not None:
            return session.user_id, session.owner_arn, session.account_id
        return original(self, access_key_id, region)

    return get_caller_identity


def install() -> None:
    """Make moto's STS answer as AWS does where this package says so (idempotent)."""
    global _installed
    if _installed:
        return
    for name, method in responses.PATCHES.items():
        setattr(TokenResponse, name, method)
    # moto's AssumedRole draws its token from os.urandom: from its seeded random here.
    moto.sts.models.random_session_token = models.seeded_session_token  # type: ignore[attr-defined]
    STSBackend.get_caller_identity = _caller_identity(  # type: ignore[method-assign]
        STSBackend.get_caller_identity)
    _installed = True
