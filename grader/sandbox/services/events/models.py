"""EventBridge's default bus, fed with the account's CloudTrail events.

AWS sends each management event that CloudTrail records to EventBridge's
default bus of the event's Region (EventBridge User Guide, "Events from
AWS services"; global services' events, like the console's sign-in, in
us-east-1): write API calls as `AWS API Call via CloudTrail` from
`aws.<service>`, console sign-ins as `AWS Console Sign In via CloudTrail`
from `aws.signin`, with the CloudTrail record as the event's `detail`.
Read-only calls are not sent, and nothing is sent while no trail logs the
event's Region ("a CloudTrail trail with logging enabled is required").

Each event is matched against the bus's enabled rules with moto's own
event-pattern matcher; a matching rule's targets get it: an SNS topic (if
the topic's policy lets `events.amazonaws.com` publish for that rule, as in
AWS: else the invocation fails and nothing is sent) or an SQS queue (the
same, with its queue policy); other targets get nothing here. A constant
input or an input path is honoured. This happens as the event is recorded, and
again, the same way, when the record is replayed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import time_machine
from moto.moto_api._internal import mock_random

from grader.cloudtrail.events import event_source
from grader.cloudtrail.selectors import GLOBAL_REGION, covers_region, is_global
from grader.policy import Principal, Request
from grader.policy.resource import resource_policy_decision
from grader.sandbox.history.record import ACCOUNT_EVENTS, Event
from grader.sandbox.services.cloudtrail.events import cloudtrail_record, event_time, zulu
from grader.sandbox.services.cloudtrail.status import logged_at

EVENTS_SERVICE = "events.amazonaws.com"
API_CALL = "AWS API Call via CloudTrail"
CONSOLE_SIGN_IN = "AWS Console Sign In via CloudTrail"


def bus_event(event: Event, account_id: str) -> dict[str, Any] | None:
    """The event as EventBridge's default bus gets it; None when it gets none."""
    if event.event_type in ACCOUNT_EVENTS or (event.read_only and
                                           event.event_type != "AwsConsoleSignIn"):
        return None
    source = event_source(event)
    region = GLOBAL_REGION if is_global(event) else event.region
    return {
        "version": "0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"eventbridge:{event.event_id}")),
        "detail-type": CONSOLE_SIGN_IN if event.event_type == "AwsConsoleSignIn" else API_CALL,
        "source": "aws." + source.split(".")[0],
        "account": account_id,
        "time": zulu(event_time(event)),
        "region": region,
        "resources": [],
        "detail": cloudtrail_record(event, account_id),
    }


def some_trail_logs(account_id: str, event: Event) -> bool:
    """Whether a trail of the account logged the event's Region when it happened."""
    from moto.cloudtrail.models import cloudtrail_backends

    moment = event_time(event)
    for account, _region, backend in cloudtrail_backends.iter_backends():
        if account != account_id:
            continue
        trails: dict[str, Any] = getattr(backend, "trails", {})
        for trail in trails.values():
            if logged_at(trail.status, moment) and covers_region(trail, event):
                return True
    return False


def send(event: Event, account_id: str, seed: int) -> None:
    """Send a recorded event to the default bus of its Region, and on to the targets of
    the rules it matches."""
    if event.event_type in ACCOUNT_EVENTS or not some_trail_logs(account_id, event):
        return  # (checked first: most events of a record meet no trail, cheaply)
    message = bus_event(event, account_id)
    if message is None:
        return
    from moto.events.models import events_backends

    for account, region, backend in events_backends.iter_backends():
        if account != account_id or region != message["region"]:
            continue
        bus = getattr(backend, "event_buses", {}).get("default")
        if bus is None:
            continue
        for name in sorted(bus.rules):
            rule = bus.rules[name]
            if rule.state != "ENABLED" or not rule.event_pattern.matches_event(message):
                continue
            for target in rule.targets:
                place = hashlib.sha256(f"{seed}|{event.event_id}|{rule.arn}|{target['Id']}"
                                       .encode()).digest()
                mock_random.seed(int.from_bytes(place[:8], "big"))
                with time_machine.travel(event_time(event), tick=False):  # the event's time
                    _deliver(rule, target, message)


def _input(target: dict[str, Any], message: dict[str, Any]) -> str:
    """What the target gets: the event, its constant input, or the part its InputPath names
    (an input transformer's template is not filled in: the event goes as it is)."""
    if target.get("Input"):
        return str(target["Input"])
    if target.get("InputPath"):
        found: Any = message
        for part in str(target["InputPath"]).removeprefix("$").split("."):
            if part:
                found = found.get(part) if isinstance(found, dict) else None
        return json.dumps(found)
    return json.dumps(message)


def _deliver(rule: Any, target: dict[str, Any], message: dict[str, Any]) -> None:
    """Send to one target, if its resource policy lets EventBridge (for this rule)."""
    arn = str(target["Arn"])
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] not in ("sns", "sqs"):
        return  # a target the simulated account does not deliver to
    if parts[2] == "sns":
        from moto.sns.models import sns_backends

        topic = sns_backends[parts[4]][parts[3]].topics.get(arn)
        if topic is not None and _allowed(json.loads(topic.policy), "sns:Publish", arn, rule):
            topic.publish(_input(target, message))
        return
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[parts[4]][parts[3]].queues.get(parts[5])
    if queue is None:
        return
    policy = json.loads(queue.policy) if getattr(queue, "policy", None) else None
    if policy is not None and _allowed(policy, "sqs:SendMessage", arn, rule):
        group = (target.get("SqsParameters") or {}).get("MessageGroupId")
        sqs_backends[parts[4]][parts[3]].send_message(parts[5], _input(target, message),
                                                      group_id=group)


def _allowed(policy: dict[str, Any], action: str, resource: str, rule: Any) -> bool:
    account = resource.split(":")[4]
    service = Principal(arn="", account_id=account, service=EVENTS_SERVICE)
    request = Request(action, resource, {"aws:SourceArn": rule.arn, "aws:SourceAccount": account})
    return resource_policy_decision(policy, request, service)[0].allowed
