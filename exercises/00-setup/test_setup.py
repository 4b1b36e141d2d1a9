"""Checks for 00-setup: the learner reached the simulated account and asked who they are."""

from __future__ import annotations

from grader.checks import check
from grader.checks.activity import Activity


@check(
    id="called-get-caller-identity",
    title="You asked the account who you are (sts get-caller-identity)",
    why="Knowing which identity your credentials belong to is the first thing to check "
        "before you change anything in an account.",
    hint='Run `eval "$(grade sandbox env)"`, then `aws sts get-caller-identity`.',
)
def test_called_get_caller_identity(activity: list[Activity]) -> None:
    calls = [a for a in activity if a.name == "GetCallerIdentity"]
    assert calls, "no GetCallerIdentity call has reached the account yet"
    assert any(a.succeeded for a in calls), \
        f"all {len(calls)} GetCallerIdentity calls failed: {calls[-1].record.get('errorCode')}"
