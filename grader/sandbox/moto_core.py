"""What the simulated account changes in moto's core (not one service's): for speed only.

moto lists a response class's methods (`inspect.getmembers`) on every request to find
the one named by the action; a class's methods do not change while the account runs,
so the list is made once per class (about 1 ms less per request here: the instructor
server's re-grade sends a few dozen)."""

from __future__ import annotations

import functools
from typing import Any

import moto.core.responses

_RESPONSES: Any = moto.core.responses


def install() -> None:
    original = _RESPONSES.method_names_from_class
    if not isinstance(original, functools._lru_cache_wrapper):
        _RESPONSES.method_names_from_class = functools.cache(original)
