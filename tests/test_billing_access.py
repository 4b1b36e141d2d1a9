"""IAM user and role access to billing information, a root-only console task: off in a
new account (IAM users are refused the billing and cost APIs even with
AdministratorAccess), turned on and off by root only, recorded as CloudTrail records it,
kept across restarts, and accepted by 03's rule on what root may still do."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from grader.course.exercises import find
from tests.admin_user import after_03
from tests.conftest import Course, client
from tests.exercise_verdicts import check_ids, verdicts
from tests.test_mfa import restart


def billing_refused(admin: dict[str, str]) -> str | None:
    """The error code of an IAM admin's budgets and Cost Explorer calls (None: allowed)."""
    codes = set()
    for call in (lambda: client(admin, "budgets").describe_budgets(
                     AccountId=client(admin, "sts").get_caller_identity()["Account"]),
                 lambda: client(admin, "ce").get_cost_and_usage(
                     TimePeriod={"Start": "2026-11-01", "End": "2026-11-02"},
                     Granularity="DAILY", Metrics=["UnblendedCost"])):
        try:
            call()
        except ClientError as error:
            codes.add(error.response["Error"]["Code"])
    assert len(codes) <= 1, codes
    return codes.pop() if codes else None


def post(url: str, payload: dict[str, str],
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """POST JSON to the account's console, straight to 127.0.0.1 (no proxy)."""
    import urllib.error
    import urllib.request

    from grader.sandbox.control import loopback_open

    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with loopback_open(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def console(course: Course, action: str) -> tuple[int, str]:
    done = course.grade("console", "billing-access", action, "--password",
                        course.account()["root_password"])
    return done.returncode, done.stdout.strip()


def test_off_until_root_turns_it_on(fresh: Course) -> None:
    admin = after_03(fresh)
    assert console(fresh, "status") == (0, "off")
    assert billing_refused(admin) in ("AccessDeniedException", "AccessDenied")
    code, said = console(fresh, "enable")
    assert code == 0 and "on" in said
    assert console(fresh, "status") == (0, "on")
    assert billing_refused(admin) is None
    restart(fresh)
    assert console(fresh, "status") == (0, "on"), "kept across a restart (the record)"
    assert billing_refused(admin) is None
    _, passed, _ = verdicts(fresh, "03", checks=check_ids(find("03")))
    assert passed["root-not-used-after-admin"], "a root-only task: 03 accepts it"
    assert console(fresh, "disable")[0] == 0
    assert billing_refused(admin) in ("AccessDeniedException", "AccessDenied")


def test_only_roots_console_session_may_turn_it(fresh: Course) -> None:
    admin = after_03(fresh)
    refused = fresh.grade("console", "billing-access", "enable", "--password", "nope")
    assert refused.returncode == 1
    endpoint = fresh.sandbox_env()["AWS_ENDPOINT_URL"] + "/_sandbox/console/"
    signed_in = post(endpoint + "signin", {"user": "dana",
                                           "password": "Correct-Horse-Battery-Staple-42"})
    assert signed_in[0] == 200
    answer = post(endpoint + "billing-access", {"action": "enable"},
                  {"X-Console-Session": signed_in[1]["session"]})
    assert answer[0] == 401, "an IAM admin's console session may not turn it on"
    assert console(fresh, "status") == (0, "off")
    events = client(admin, "cloudtrail").lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "UpdateIAMAccessPreference"}])
    assert events["Events"] == []
    console(fresh, "enable")
    events = client(admin, "cloudtrail").lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "UpdateIAMAccessPreference"}])
    record = json.loads(events["Events"][0]["CloudTrailEvent"])
    assert record["eventSource"] == "billing.amazonaws.com"
    assert record["userIdentity"]["type"] == "Root"
    assert record["requestParameters"] == {"iamAccessPreference": "ENABLED"}
