"""The pytest side of grading: checks are plain pytest tests in an exercise's
folder, over read-only fixtures that this package provides.

A check is a test function decorated with `@check(...)` (its title, why it
matters, and the hint), asking for fixtures such as `iam_state` (the
account's users, groups and policies, collected once) or `activity` (who
did what, from CloudTrail). A failing check says what is wrong with which
resource: `assert condition, "user alice has no console password"`. A failure
that the account's record makes final (root's everyday call after the switch)
is raised as `PermanentFailure`, at the grading where it is so.
"""

from grader.checks.metadata import CheckInfo, PermanentFailure, check

__all__ = ["CheckInfo", "PermanentFailure", "check"]
