"""The STS additions (AssumeRole and GetSessionToken as AWS answers them, seeded session
tokens), as patches of moto (`PATCHES`, applied once per process by `moto_patches`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from moto.sts.models import STSBackend

from grader.sandbox.moto_patches import replaced_by, replaces
from grader.sandbox.services.sts import models, responses, session_tokens


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


# What makes moto's STS answer as AWS does (`grader.sandbox.moto_patches`).
PATCHES = (
    *responses.PATCHES,
    # moto's AssumedRole draws its token from os.urandom: from its seeded random here.
    replaced_by("moto.sts.models", "random_session_token", models.seeded_session_token,
                shape=()),
    replaces("moto.sts.models:STSBackend", "get_caller_identity", _caller_identity,
             shape=("self", "access_key_id", "region")),
)
