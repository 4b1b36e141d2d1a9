"""`@check`: the metadata a check carries beside its code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class CheckInfo:
    """What a learner sees about one check."""

    id: str  # stable, kebab-case: "root-has-no-access-keys"
    title: str  # what the check wants, as a sentence of the lesson
    why: str  # the risk when it fails
    hint: str  # what to do


class PermanentFailure(AssertionError):
    """A check's failure that no later action can undo: it comes from something already
    in the account's record (who did what), which no one can change. Raised instead of
    a plain assertion at the grading where it is so, and only then, so that the learner
    is told how to start over (`grade restart NN`) instead of how to fix it in place."""


def check(id: str, title: str, why: str, hint: str) -> Callable[[F], F]:
    """Mark a test function as a graded check and attach its metadata."""
    if not _ID.match(id):
        raise ValueError(f"check id {id!r} must be lower-case words joined by '-'")
    for name, value in (("title", title), ("why", why), ("hint", hint)):
        if not value.strip():
            raise ValueError(f"check {id!r} needs a {name}")

    def mark(function: F) -> F:
        function.__check__ = CheckInfo(id, title.strip(), why.strip(), hint.strip())  # type: ignore[attr-defined]
        return function

    return mark


def info_of(function: Any) -> CheckInfo | None:
    found = getattr(function, "__check__", None)
    return found if isinstance(found, CheckInfo) else None
