"""Passkeys and security keys for the root user, registered in the web console.

(Registration and sign-in with WebAuthn come next; until then root has none.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.sandbox.console import Console


def install(console: Console) -> None:
    """Add the passkey endpoints to the console."""


def challenge_for_signin(console: Console) -> dict[str, Any]:
    """What the sign-in page needs to ask root for its passkey (nothing: none yet)."""
    return {"passkey": False}
