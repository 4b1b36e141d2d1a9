"""Apply the STS additions (AssumeRole as AWS answers it, seeded session tokens) to moto,
once per process."""

from __future__ import annotations

import moto.sts.models
from moto.sts.responses import TokenResponse

from grader.sandbox.sts import models, responses

_installed = False


def install() -> None:
    """Make moto's STS answer as AWS does where this package says so (idempotent)."""
    global _installed
    if _installed:
        return
    for name, method in responses.PATCHES.items():
        setattr(TokenResponse, name, method)
    # moto's AssumedRole draws its token from os.urandom: from its seeded random here.
    moto.sts.models.random_session_token = models.seeded_session_token  # type: ignore[attr-defined]
    _installed = True
