"""The grader's guard lets through exactly the calls the checks make
(`grader_calls()`, as each service's folder declares them), nothing else: not a
write, and not a "Get" that makes credentials (sts:GetSessionToken,
cognito-identity:GetId). And every call the
checks make is on that list, so a check calling something new fails here,
not at a learner's."""

from __future__ import annotations

import ast
import os
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from grader.checks.guard import WriteRefused, refuse_writes
from grader.checks.iam_state import root_row
from grader.checks.target import Target, live_target, sandbox_target
from grader.course.exercises import all_exercises
from grader.grading.runner import run_checks
from grader.quiz.facts import read_fact
from grader.quiz.model import load_quiz
from grader.readonly import grader_calls, is_read_only
from grader.services import apis
from tests.conftest import EXERCISES, ROOT, Course

SESSION = botocore.session.get_session()
# Named "Get...", and yet each makes credentials or a token.
MAKE_CREDENTIALS = [
    ("sts", "GetSessionToken"), ("sts", "GetFederationToken"),
    ("cognito-identity", "GetId"), ("cognito-identity", "GetCredentialsForIdentity"),
    ("cognito-identity", "GetOpenIdToken"),
]
WRITES = [
    ("sts", "AssumeRole"), ("iam", "CreateUser"), ("iam", "CreateAccessKey"),
    ("iam", "UpdateLoginProfile"), ("iam", "AttachUserPolicy"), ("iam", "DeleteUser"),
    ("cloudtrail", "StopLogging"), ("cloudtrail", "DeleteTrail"), ("s3", "PutObject"),
]
# Services whose every operation is tried against the guard: every registered service's
# API, and a few that hand out credentials or reach beyond the account.
SERVICES = (*sorted(apis()), "cognito-identity", "organizations", "account", "sso-oidc")
GRADER_CALLS = grader_calls()


def operation(service: str, name: str) -> Any:
    return SESSION.get_service_model(service).operation_model(name)


def test_the_list_names_real_operations_that_only_read() -> None:
    for service, name in GRADER_CALLS:
        assert operation(service, name).name == name
        assert is_read_only(name) or name == "GenerateCredentialReport", name


@pytest.mark.parametrize(("service", "name"), sorted(GRADER_CALLS))
def test_the_guard_allows_each_call_on_the_list(service: str, name: str) -> None:
    refuse_writes(operation(service, name))


@pytest.mark.parametrize(("service", "name"), MAKE_CREDENTIALS + WRITES)
def test_the_guard_refuses_calls_that_make_credentials_or_write(service: str,
                                                                name: str) -> None:
    with pytest.raises(WriteRefused, match=f"refused to call {service}:{name}"):
        refuse_writes(operation(service, name))


def test_the_guard_refuses_everything_else() -> None:
    allowed = []
    for service in SERVICES:
        for name in SESSION.get_service_model(service).operation_names:
            try:
                refuse_writes(operation(service, name))
            except WriteRefused:
                continue
            allowed.append((service, name))
    assert sorted(allowed) == sorted(GRADER_CALLS)


def grader_target(course: Course) -> Target:
    account = course.account()
    return sandbox_target(course.sandbox_env()["AWS_ENDPOINT_URL"], "us-east-1",
                          account["grader_key_id"], account["grader_secret"])


def test_a_refused_call_is_never_sent_in_either_mode(course: Course,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    env = course.sandbox_env()
    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    account = course.account()  # the grader's key: root's may have been deleted by now
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", account["grader_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", account["grader_secret"])
    monkeypatch.setenv("AWS_ENDPOINT_URL", env["AWS_ENDPOINT_URL"])
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    sent: list[str] = []
    for target in (grader_target(course), live_target(None)):
        sent.clear()
        sts = target.client("sts")
        sts.meta.events.register("before-send.*", lambda request, **_: sent.append(request.url))
        with pytest.raises(WriteRefused):
            sts.get_session_token()
        with pytest.raises(WriteRefused):
            sts.get_federation_token(Name="mallory")
        with pytest.raises(WriteRefused):
            target.client("cognito-identity").get_id(IdentityPoolId="us-east-1:x")
        assert sent == []
        sts.get_caller_identity()
        assert len(sent) == 1


# -- every call the checks make is on the list -------------------------------------------

SOURCES = [*sorted(EXERCISES.glob("*/test_*.py")),
           *sorted(p for p in (ROOT / "grader").rglob("*.py")
                   if "sandbox" not in p.relative_to(ROOT / "grader").parts)]


def calls_in_sources() -> set[tuple[str, str]]:
    """(service, operation) of every AWS call written in the grader's and checks' code:
    `call(c, "op")`, `pages(c, "op", ...)`, `c.get_paginator("op")` and `c.op(...)` for
    an operation of a service the code makes clients of (`client("iam")`, `aws("iam")`)."""
    services: set[str] = set()
    named: set[str] = set()  # operation names given as strings
    methods: set[str] = set()  # every method name called
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            literals = [a.value for a in node.args
                        if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if callee in {"client", "aws"} and literals:
                services.add(literals[0])
            elif literals and (callee == "get_paginator"
                               or (callee in {"call", "pages"} and len(node.args) > 1)):
                named.add(literals[0])
            elif isinstance(func, ast.Attribute):
                methods.add(func.attr)
    found: set[tuple[str, str]] = set()
    for service in services:
        by_method = {xform_name(name): name
                     for name in SESSION.get_service_model(service).operation_names}
        for method in (named | methods) & by_method.keys():
            found.add((service, by_method[method]))
    unknown = named - {xform_name(name) for _, name in found}
    assert not unknown, f"calls of no service the grader makes clients of: {unknown}"
    return found


def test_every_call_written_in_the_checks_is_on_the_list() -> None:
    found = calls_in_sources()
    assert {("cloudtrail", "LookupEvents"), ("iam", "GenerateCredentialReport"),
            ("sts", "GetCallerIdentity"), ("iam", "ListUsers")} <= found  # the scan works
    assert not found - GRADER_CALLS, f"not on GRADER_CALLS: {sorted(found - GRADER_CALLS)}"
    assert not GRADER_CALLS - found, f"on GRADER_CALLS but never made: " \
                                     f"{sorted(GRADER_CALLS - found)}"


def recording(target: Target) -> list[tuple[str, str]]:
    """Every call the target's clients make from now on, as (service, operation)."""
    made: list[tuple[str, str]] = []
    original = target.client

    def client(service: str, region: str | None = None) -> Any:
        made_client = original(service, region)
        if not getattr(made_client, "_recorded", False):
            made_client.meta.events.register(
                "before-call.*.*",
                lambda model, **_: made.append((model.service_model.service_name, model.name)))
            made_client._recorded = True
        return made_client

    target.client = client  # type: ignore[method-assign]
    return made


@pytest.mark.parametrize("exercise", all_exercises(), ids=lambda e: e.id)
def test_every_call_a_grading_makes_is_on_the_list(course: Course, exercise: Any) -> None:
    """Each hands-on exercise's checks, and the account facts of each quiz (what
    `grade_quiz` reads), run through the guard; the calls made are all listed."""
    target = grader_target(course)
    made = recording(target)
    if exercise.kind == "hands-on":
        run_checks(exercise, target)
        assert made, "the checks made no call at all"
    elif any(q.from_account for q in load_quiz(exercise.folder).questions):
        facts = root_row(target.client("iam"))
        for question in load_quiz(exercise.folder).questions:
            if question.from_account:
                read_fact(question.from_account, facts)
        assert made
    assert set(made) <= GRADER_CALLS, sorted(set(made) - GRADER_CALLS)
