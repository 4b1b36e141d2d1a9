"""The verdict as a learner sees it: colour on a terminal, plain text in a pipe."""

from __future__ import annotations

import io

from grader.command.report import render_result
from grader.grading.results import CheckResult, ExerciseResult

RESULT = ExerciseResult("03-stop-using-root", "Stop using the root user", "sandbox", [
    CheckResult("a", "First", True, "", "do a", "risk a"),
    CheckResult("b", "Second", False, "user bob has no password", "do b", "risk b"),
], "123456789012")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_on_a_terminal(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    text = render_result(RESULT, Terminal())
    assert "\033[32mPASS" in text and "\033[31mFAIL" in text


def test_plain_in_a_pipe() -> None:
    text = render_result(RESULT, io.StringIO())
    assert "\033[" not in text
    assert "What is wrong: user bob has no password" in text
    assert "Why it matters: risk b" in text and "What to do: do b" in text
    assert "1 of 2 checks pass" in text
