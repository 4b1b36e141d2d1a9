"""The one error type the `grade` program shows to a person.

A `GradeError` means "the grading could not run": it carries a one-line
reason and what to do about it, and the command line turns it into exit
status 2 without a traceback.
"""

from __future__ import annotations


class GradeError(Exception):
    """Something stopped `grade` from doing its job; `fix` says what to do."""

    exit_status = 2

    def __init__(self, reason: str, fix: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.reason} {self.fix}".strip()
