"""EventBridge rules on the default bus of us-east-1, and whether one alerts on root's
sign-in, read once per grading.

A console sign-in is a global event: EventBridge gets it in us-east-1, as
`AWS Console Sign In via CloudTrail` from `aws.signin` (while a trail
logs). A rule "would fire" on root's sign-in when it is enabled, its event
pattern (matched with moto's implementation of EventBridge's matching)
matches a successful root `ConsoleLogin` and not an IAM user's, and it has
an SNS target whose access policy lets `events.amazonaws.com` publish for
that rule, with at least one subscription to tell.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from grader.checks.calls import call
from grader.checks.target import Target
from grader.policy import Principal, Request
from grader.policy.resource import resource_policy_decision

ALERT_REGION = "us-east-1"  # where the console's sign-in events reach EventBridge


@dataclass
class Topic:
    arn: str
    policy: dict[str, Any] | None
    subscriptions: list[str]  # "email:someone@example.com"


@dataclass
class AlertRule:
    name: str
    arn: str
    enabled: bool
    pattern: str | None
    topics: list[Topic] = field(default_factory=list)  # its SNS targets that exist
    other_targets: list[str] = field(default_factory=list)

    def fires_on(self, event: dict[str, Any]) -> bool:
        if not self.pattern:
            return False
        from moto.events.models import EventPattern

        try:
            return bool(EventPattern.load(self.pattern).matches_event(event))  # type: ignore[arg-type]
        except Exception:  # a pattern EventBridge would have refused
            return False

    def topics_that_publish(self, account_id: str) -> list[Topic]:
        """Its SNS targets whose policy lets EventBridge publish for this rule."""
        service = Principal(arn="", account_id=account_id, service="events.amazonaws.com")
        return [topic for topic in self.topics if topic.policy is not None and
                resource_policy_decision(topic.policy, Request(
                    "sns:Publish", topic.arn,
                    {"aws:SourceArn": self.arn, "aws:SourceAccount": account_id}),
                    service)[0].allowed]


def sign_in(account_id: str, identity: dict[str, Any]) -> dict[str, Any]:
    """A successful console sign-in as EventBridge gets it (EventBridge User Guide)."""
    return {
        "version": "0", "id": "00000000-0000-0000-0000-000000000000",
        "detail-type": "AWS Console Sign In via CloudTrail", "source": "aws.signin",
        "account": account_id, "time": "2026-11-29T12:00:00Z", "region": ALERT_REGION,
        "resources": [],
        "detail": {
            "eventVersion": "1.09", "userIdentity": identity,
            "eventTime": "2026-11-29T12:00:00Z", "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin", "awsRegion": ALERT_REGION,
            "sourceIPAddress": "198.51.100.7", "userAgent": "Mozilla/5.0",
            "requestParameters": None, "responseElements": {"ConsoleLogin": "Success"},
            "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home",
                                    "MobileVersion": "No", "MFAUsed": "Yes"},
            "eventID": "00000000-0000-0000-0000-000000000001", "readOnly": False,
            "eventType": "AwsConsoleSignIn", "managementEvent": True,
            "recipientAccountId": account_id, "eventCategory": "Management",
        },
    }


def root_sign_in(account_id: str) -> dict[str, Any]:
    return sign_in(account_id, {"type": "Root", "principalId": account_id,
                                "arn": f"arn:aws:iam::{account_id}:root",
                                "accountId": account_id})


def user_sign_in(account_id: str, name: str = "ada") -> dict[str, Any]:
    return sign_in(account_id, {"type": "IAMUser", "principalId": "AIDAEXAMPLEUSER000001",
                                "arn": f"arn:aws:iam::{account_id}:user/{name}",
                                "accountId": account_id, "userName": name})


def collect(target: Target) -> list[AlertRule]:
    events = target.client("events", ALERT_REGION)
    sns = target.client("sns", ALERT_REGION)
    rules = []
    token: str | None = None
    while True:
        page = call(events, "list_rules", **({"NextToken": token} if token else {}))
        for listed in page.get("Rules", []):
            rule = AlertRule(listed["Name"], listed["Arn"], listed.get("State") == "ENABLED",
                             listed.get("EventPattern"))
            for target_of in call(events, "list_targets_by_rule",
                                  Rule=listed["Name"]).get("Targets", []):
                arn = str(target_of["Arn"])
                topic = _topic(sns, arn) if arn.startswith("arn:aws:sns:") else None
                if topic is not None:
                    rule.topics.append(topic)
                else:
                    rule.other_targets.append(arn)
            rules.append(rule)
        token = page.get("NextToken")
        if not token:
            return rules


def _topic(sns: Any, arn: str) -> Topic | None:
    from botocore.exceptions import ClientError

    try:
        attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    except ClientError:
        return None  # no such topic (any more)
    subscriptions = call(sns, "list_subscriptions_by_topic", TopicArn=arn)["Subscriptions"]
    policy = json.loads(attributes["Policy"]) if attributes.get("Policy") else None
    return Topic(arn, policy, [f"{s['Protocol']}:{s['Endpoint']}" for s in subscriptions
                               if s.get("SubscriptionArn") not in ("PendingConfirmation",
                                                                   "Deleted")])
