"""Live mode reads a real account through a guard that refuses every write
before it is sent. Tested without AWS: the "real account" here is the
simulated one, reached through an ordinary AWS profile."""

from __future__ import annotations

import json
from typing import Any

import pytest

from grader.checks.guard import WriteRefused
from grader.checks.target import Target, sandbox_target
from grader.course.exercises import all_exercises
from grader.grading.runner import run_checks
from grader.readonly import grader_calls
from tests.conftest import Course


def grader_target(course: Course) -> Target:
    account = course.account()
    env = course.sandbox_env()
    return sandbox_target(env["AWS_ENDPOINT_URL"], "us-east-1", account["grader_key_id"],
                          account["grader_secret"])


def test_guard_refuses_writes_before_sending(course: Course) -> None:
    target = grader_target(course)
    iam = target.client("iam")
    sent: list[str] = []
    iam.meta.events.register("before-send.*", lambda request, **_: sent.append(request.url))
    with pytest.raises(WriteRefused):
        iam.create_user(UserName="mallory")
    with pytest.raises(WriteRefused):
        target.client("s3").create_bucket(Bucket="mallory")
    assert sent == []
    iam.list_users()
    assert len(sent) == 1


@pytest.mark.parametrize("exercise", [e for e in all_exercises() if e.kind == "hands-on"],
                         ids=lambda e: e.id)
def test_every_call_the_checks_make_is_read_only(course: Course, exercise: Any) -> None:
    target = grader_target(course)
    called: list[tuple[str, str]] = []
    original = target.client

    def logging_client(service: str, region: str | None = None) -> Any:
        made = original(service, region)
        if not getattr(made, "_logged", False):
            made.meta.events.register(
                "before-call.*.*", lambda model, **_: called.append(
                    (model.service_model.service_name, model.name)))
            made._logged = True
        return made

    target.client = logging_client  # type: ignore[method-assign]
    run_checks(exercise, target)
    assert called, "the checks made no call at all"
    assert set(called) <= grader_calls(), set(called) - grader_calls()


def test_grade_with_a_profile_prints_the_account(fresh: Course) -> None:
    env = fresh.sandbox_env()
    config = fresh.home / "live-aws-config"
    config.write_text(
        "[profile course-live]\n"
        f"aws_access_key_id = {env['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {env['AWS_SECRET_ACCESS_KEY']}\n"
        "region = us-east-1\n"
        f"endpoint_url = {env['AWS_ENDPOINT_URL']}\n"
    )
    live_env = {**fresh.env, "AWS_CONFIG_FILE": str(config)}
    done = fresh.grade("03", "--profile", "course-live", "--json", env=live_env)
    assert done.returncode == 1, done.stderr
    account = fresh.account()["account_id"]
    assert f"Grading AWS account {account} (live, read-only)" in done.stderr
    result = json.loads(done.stdout)
    assert result["mode"] == "live" and result["account"] == account
    assert set(result["checks"][0]) >= {"id", "title", "passed", "message", "hint"}
