"""E-mail that SNS sends from the simulated account, kept in an inbox the learner reads.

AWS delivers a topic's messages to its `email` and `email-json`
subscriptions as e-mails. The simulated account sends no e-mail: it keeps
each one it would have sent, with the account's time it was sent at, in an
inbox (`grade sandbox inbox`), so that an alert (a rule on root's sign-in
with an SNS target) can be seen to arrive. moto confirms e-mail
subscriptions at once; AWS waits for the recipient to follow the link of a
confirmation e-mail (`PendingConfirmation`), which the learner here has no
way to receive.

An `email` subscription gets the message as it is; `email-json` gets SNS's
JSON notification (Type, MessageId, TopicArn, Subject, Message, Timestamp).
Published again when the record is replayed, the inbox comes back the same.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from typing import Any

from moto.core.utils import utcnow
from moto.sns.models import Topic

from grader.sandbox.moto_patches import replaces

DEFAULT_SUBJECT = "AWS Notification Message"  # what AWS puts when a message has none


@dataclass(frozen=True)
class Mail:
    """One e-mail SNS would have sent."""

    sent: str  # ISO 8601, the account's time
    to: str
    subject: str
    body: str
    topic_arn: str
    message_id: str

    def shown(self) -> dict[str, Any]:
        return asdict(self)


# E-mail other services sent (AWS Budgets' alerts), by account id.
SENT_BY_OTHERS: dict[str, list[Mail]] = {}


def inbox_of(account_id: str) -> list[Mail]:
    """Every e-mail the account's topics (and AWS Budgets) sent, oldest first."""
    from moto.sns.models import sns_backends

    mails: list[Mail] = list(SENT_BY_OTHERS.get(account_id, []))
    for account, _region, backend in sns_backends.iter_backends():
        if account == account_id:
            mails.extend(getattr(backend, "inbox", []))
    return sorted(mails, key=lambda mail: mail.sent)


def deliver_mail(account_id: str, mail: Mail) -> None:
    """An e-mail a service other than SNS sends (an AWS Budgets alert)."""
    SENT_BY_OTHERS.setdefault(account_id, []).append(mail)


def forget_mail(account_id: str) -> None:
    SENT_BY_OTHERS.pop(account_id, None)


def _mail_to_subscribers(original: Any) -> Any:
    def publish(self: Topic, message: str, subject: str | None = None, *args: Any,
                **kwargs: Any) -> str:
        message_id: str = original(self, message, subject, *args, **kwargs)
        sent = utcnow().replace(tzinfo=dt.UTC)
        subscriptions, _ = self.sns_backend.list_subscriptions_by_topic(topic_arn=self.arn)
        for subscription in subscriptions:
            if subscription.protocol not in ("email", "email-json"):
                continue
            body = message if subscription.protocol == "email" else json.dumps({
                "Type": "Notification", "MessageId": message_id, "TopicArn": self.arn,
                "Subject": subject, "Message": message,
                "Timestamp": sent.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
            inbox: list[Mail] = getattr(self.sns_backend, "inbox", None) or []
            inbox.append(Mail(sent.isoformat(), subscription.endpoint,
                              subject or DEFAULT_SUBJECT, body, self.arn, message_id))
            self.sns_backend.inbox = inbox  # type: ignore[attr-defined]
        return message_id

    return publish


PATCHES = (
    replaces("moto.sns.models:Topic", "publish", _mail_to_subscribers,
             shape=("self", "message", "subject", "message_attributes", "group_id",
                    "deduplication_id", "message_structure")),
)
