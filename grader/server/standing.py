"""Which passes count, and what every attempt and every grid cell is shown as: the one
definition that the grid (its cells and totals), the learner's and the exercise's pages,
the CSV and Gradescope exports and the learner's own record all use.

A pass counts when the server's own re-grade passed it (*verified*), or, in a cohort
whose instructor chose to accept live gradings (`grade-server cohort accept-live CODE`),
when it is a grading of a real AWS account that the learner says passed (shown as
"self-reported (live)": a real account cannot be re-graded). Anything else the learner
says passed is *self-reported*, shown with why the server could not check it, and does
not count; a submission the server has not re-graded yet is *pending*, not a pass.

Each submission has a *standing* (`submissions.standing`), set when it is taken
(`at_ingest`) and again when it is re-graded (`after_regrade`). A grid cell's *state*
(`progress.state`) is the best of its attempts' states (`RANK`); it counts when the state
is one of `COUNTED`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# -- a submission's standing ------------------------------------------------------------
PENDING = "pending"  # not re-graded yet
VERIFIED = "verified"  # the server's re-grade passed it
NOT_PASSED = "not-passed"  # the server's re-grade failed it, or the learner's grading did
# The learner says it passed; the server could not check it, because it is...
LIVE = "live"  # a grading of a real AWS account
QUIZ_FOR_HANDS_ON = "quiz-for-hands-on"  # a quiz-mode submission for a hands-on exercise
UNREADABLE_TIME = "unreadable-time"  # its record has an event time the server cannot read
UNREADABLE_ANSWERS = "unreadable-answers"  # its answers cannot be read
NOT_REGRADED = "not-regraded"  # its record did not replay, or the re-grade failed

REASONS = {
    LIVE: "live mode: a real AWS account, which the server cannot re-grade",
    QUIZ_FOR_HANDS_ON: "a quiz-mode submission for a hands-on exercise "
                       "(grade never sends one)",
    UNREADABLE_TIME: "an event time in its record that the server cannot read",
    UNREADABLE_ANSWERS: "answers that the server cannot read",
    NOT_REGRADED: "the server could not re-grade it",
}
SHORT_REASONS = {LIVE: "live", QUIZ_FOR_HANDS_ON: "quiz mode", UNREADABLE_TIME: "unreadable time",
                 UNREADABLE_ANSWERS: "unreadable answers", NOT_REGRADED: "not re-graded"}
STANDINGS = (PENDING, VERIFIED, NOT_PASSED, *REASONS)

# -- a grid cell's state (and an attempt's) --------------------------------------------
PASSED = "passed"  # verified
PASSED_LIVE = "passed-live"  # a live pass, in a cohort that accepts live gradings
WAITING = "pending"  # a re-grade pending, and no pass that counts
SELF_REPORTED = "self-reported"  # passed by the learner's word only: not counted
FAILING = "failing"
COUNTED = (PASSED, PASSED_LIVE)
RANK = {FAILING: 1, SELF_REPORTED: 2, WAITING: 3, PASSED_LIVE: 4, PASSED: 5}

# What each state is called wherever it is shown (the grid's hidden label, the CSV, the
# exports), and the symbol beside it in the grid (never alone: the words say it too).
WORDS = {
    PASSED: "passed",
    PASSED_LIVE: "passed: self-reported (live)",
    WAITING: "re-grade pending",
    SELF_REPORTED: "self-reported, not counted",
    FAILING: "failing",
    None: "not started",
}
SYMBOLS = {PASSED: "✓", PASSED_LIVE: "✓", WAITING: "…", SELF_REPORTED: "?", FAILING: "✗",
           None: "–"}


def at_ingest(mode: str, learner_passed: bool) -> str:
    """A new submission's standing: a live grading's is final (it cannot be re-graded);
    any other waits for its re-grade."""
    if mode == "live":
        return LIVE if learner_passed else NOT_PASSED
    return PENDING


def after_regrade(status: str, server_passed: bool | None, learner_passed: bool,
                  why: str | None = None) -> str:
    """A submission's standing once the server has tried to re-grade it: `status` is the
    re-grade's (regraded | self-reported | unreplayable | failed), `why` the reason it
    gives when it could not verify (one of `REASONS`)."""
    if status == "regraded" and why is None:
        return VERIFIED if server_passed else NOT_PASSED
    if not learner_passed or (status == "regraded" and not server_passed):
        return NOT_PASSED
    return why if why in REASONS else NOT_REGRADED


def state(standing: str, accept_live: bool) -> str:
    """An attempt's state in a cohort that accepts live gradings or not."""
    if standing == VERIFIED:
        return PASSED
    if standing == PENDING:
        return WAITING
    if standing == LIVE and accept_live:
        return PASSED_LIVE
    if standing in REASONS:
        return SELF_REPORTED
    return FAILING


def counts(standing: str, accept_live: bool) -> bool:
    """Whether an attempt is a pass that counts (the definition)."""
    return state(standing, accept_live) in COUNTED


def best(states: Iterable[str]) -> str:
    """The state of a cell whose attempts are in `states` (at least one)."""
    return max(states, key=RANK.__getitem__)


def reason_words(standing: str | None) -> str:
    """Why the server could not check an attempt that the learner says passed."""
    return REASONS.get(standing or "", "")


# -- what a cell (a `progress` row, or None: not started) is shown as ---------------------

def cell_state(cell: Any) -> str | None:
    return None if cell is None else str(cell.state)


def cell_words(cell: Any) -> str:
    """The cell's state in words, with why for a self-reported pass."""
    current = cell_state(cell)
    words = WORDS[current]
    if current == SELF_REPORTED and cell.reason:
        words += f" ({reason_words(cell.reason)})"
    return words


def cell_symbol(cell: Any) -> str:
    return SYMBOLS[cell_state(cell)]


def cell_mark(cell: Any) -> str:
    """The words the grid shows beside the cell's symbol ("" for passed, failing and not
    started, whose symbol's words are read out instead)."""
    current = cell_state(cell)
    if current == PASSED_LIVE:
        return "self-reported (live)"
    if current == WAITING:
        return "re-grade pending"
    if current == SELF_REPORTED:
        return f"self-reported ({SHORT_REASONS.get(cell.reason, 'not verified')}), not counted"
    return ""


def also_self_reported(cell: Any) -> str:
    """For a cell that does not count and is not itself self-reported (pending, failing):
    why an attempt the learner says passed was not counted ("" when none was)."""
    if cell is None or cell.state in COUNTED or cell.state == SELF_REPORTED:
        return ""
    return reason_words(cell.reason)


def attempt_words(standing: str, accept_live: bool) -> str:
    """What one attempt is, for the learner's page: counted or not, and why."""
    current = state(standing, accept_live)
    if current == PASSED:
        return "verified pass (counts)"
    if current == PASSED_LIVE:
        return "self-reported (live) pass, counted: this cohort accepts live gradings"
    if current == WAITING:
        return "re-grade pending (not counted yet)"
    if current == SELF_REPORTED:
        return f"self-reported, not counted: {reason_words(standing)}"
    return "not passed"
