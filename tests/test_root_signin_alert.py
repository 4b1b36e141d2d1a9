"""An alert on root's sign-in, as AWS delivers it: the account's CloudTrail events reach
EventBridge's default bus (only while a trail logs), a rule's pattern picks them, its SNS
target publishes (only if the topic's policy lets EventBridge) and the topic's e-mail
subscription lands in the inbox `grade sandbox inbox` shows."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Course, client
from tests.test_mfa import restart
from tests.test_role_sessions import account_id
from tests.test_trail_delivery import logging_trail

ROOT_SIGN_IN = {"detail-type": ["AWS Console Sign In via CloudTrail"],
                "detail": {"userIdentity": {"type": ["Root"]}}}


def topic_for_events(course: Course, *, allow_events: bool = True) -> str:
    env = course.sandbox_env()
    sns = client(env, "sns")
    topic = sns.create_topic(Name="root-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="learner@example.com")
    if allow_events:
        sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                 "Action": "sns:Publish", "Resource": topic}]}))
    return topic


def rule(course: Course, pattern: dict[str, Any], topic: str) -> None:
    events = client(course.sandbox_env(), "events")
    events.put_rule(Name="alert", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="alert", Targets=[{"Id": "mail", "Arn": topic}])


def inbox(course: Course) -> list[dict[str, Any]]:
    done = course.grade("sandbox", "inbox", "--json")
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout)["mails"])


def sign_in(course: Course, who: str = "root", password: str | None = None) -> None:
    done = course.grade("console", "signin", who, "--password",
                        password or course.account()["root_password"])
    assert done.returncode == 0, done.stderr


def test_root_signing_in_sends_the_alert_and_an_admin_does_not(fresh: Course) -> None:
    logging_trail(fresh)
    rule(fresh, ROOT_SIGN_IN, topic_for_events(fresh))
    iam = client(fresh.sandbox_env(), "iam")
    iam.create_user(UserName="ada")
    iam.create_login_profile(UserName="ada", Password="Ada-Password-2026!")
    sign_in(fresh, "ada", "Ada-Password-2026!")
    assert inbox(fresh) == []
    sign_in(fresh)
    mails = inbox(fresh)
    assert len(mails) == 1 and mails[0]["to"] == "learner@example.com"
    event = json.loads(mails[0]["body"])
    assert event["source"] == "aws.signin" and event["region"] == "us-east-1"
    assert event["account"] == account_id(fresh)
    assert event["detail"]["eventName"] == "ConsoleLogin"
    assert event["detail"]["userIdentity"]["type"] == "Root"
    restart(fresh)
    assert inbox(fresh) == mails, "the inbox comes back the same from the record"


def test_no_trail_no_event(fresh: Course) -> None:
    """EventBridge gets CloudTrail's events only while a trail logs."""
    rule(fresh, ROOT_SIGN_IN, topic_for_events(fresh))
    sign_in(fresh)
    assert inbox(fresh) == []


def test_a_topic_that_does_not_let_eventbridge_publish_gets_nothing(fresh: Course) -> None:
    logging_trail(fresh)
    rule(fresh, ROOT_SIGN_IN, topic_for_events(fresh, allow_events=False))
    sign_in(fresh)
    assert inbox(fresh) == []


def test_write_calls_reach_the_bus_and_reads_do_not(fresh: Course) -> None:
    logging_trail(fresh)
    rule(fresh, {"source": ["aws.iam"], "detail-type": ["AWS API Call via CloudTrail"]},
         topic_for_events(fresh))
    iam = client(fresh.sandbox_env(), "iam")
    iam.list_users()
    iam.create_group(GroupName="watched")
    names = [json.loads(mail["body"])["detail"]["eventName"] for mail in inbox(fresh)]
    assert names == ["CreateGroup"]
