"""Asking the learner to confirm a command that changes their simulated account."""

from __future__ import annotations

import sys

from grader.errors import GradeError


def confirmed(command: str, question: str) -> bool:
    """Whether the learner answers yes to `question`. Without a terminal nobody can
    answer: a `GradeError` (exit 2) says so, and nothing is changed."""
    if not sys.stdin.isatty():
        raise GradeError(f"`{command}` changes the simulated account, so it asks first, and "
                         "there is no terminal to ask in: nothing was changed.",
                         "Run it in a terminal, or add --yes to confirm.")
    answer = input(f"{question} [y/N] ")
    return answer.strip().lower() in {"y", "yes"}
