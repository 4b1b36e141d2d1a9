"""Input AWS refuses before any service sees it, refused here the same way.

(Being written: see the helper's brief. Until then nothing is refused here.)
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response


def refuse_invalid(service: str, operation: str, parameters: dict[str, Any],
                   region: str) -> Response | None:
    """AWS's error response for input AWS would refuse; None when the input is acceptable."""
    return None
