"""The e-mails the simulated account sent (`grade sandbox inbox`): its SNS topics' to
their e-mail subscriptions, and AWS Budgets' alerts to a budget's e-mail subscribers.

A real account sends real e-mail, which no API reads back: there, `collect` gives None,
and a check says what it can see instead (a budget's `NotificationState`, say).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from grader.checks.target import Target


@dataclass(frozen=True)
class Mail:
    """One e-mail the account sent."""

    sent: dt.datetime  # the account's time
    to: str
    subject: str
    body: str
    topic_arn: str  # the SNS topic it went through ("" for AWS Budgets' own e-mail)

    @property
    def from_budgets(self) -> bool:
        """Sent by AWS Budgets itself to an e-mail subscriber, not through a topic (so not
        anyone's `sns publish` dressed up as one)."""
        return not self.topic_arn and self.subject.startswith("AWS Budgets: ")


def _mail(found: dict[str, Any]) -> Mail:
    moment = dt.datetime.fromisoformat(str(found["sent"]).replace("Z", "+00:00"))
    return Mail(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC),
                str(found.get("to", "")), str(found.get("subject", "")),
                str(found.get("body", "")), str(found.get("topic_arn") or ""))


def collect(target: Target) -> list[Mail] | None:
    """Every e-mail the simulated account sent, oldest first; None for a real account."""
    if target.control is None:
        return None
    return [_mail(found) for found in target.control("inbox")["mails"]]
