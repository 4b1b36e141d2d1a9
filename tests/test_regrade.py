"""The server's own grading (`grader.server.regrade`): a learner's record, rebuilt in this
process and judged event by event, gives the verdict, whatever the learner's `grade` said.

The records are real: exercise 03 done in a real simulated account; the forgeries are
what a learner could write into their own `record.sqlite` (with chain links recomputed,
so that only the server's judging can catch them)."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import pytest

from grader.progress.submission import StoredEvent
from grader.sandbox.history.record import COLUMNS, chain_link
from grader.server.regrade import REGRADED, SELF_REPORTED, UNREPLAYABLE, regrade
from tests.admin_user import PASSWORD, make_admin_user
from tests.conftest import Course, client


@pytest.fixture(scope="module")
def solved(course: Course) -> tuple[dict[str, Any], list[StoredEvent]]:
    """Exercise 03 solved as its reference solution does it, and the console sign-in."""
    from grader.progress.submission import account_identity
    from grader.sandbox.account import load_account
    from grader.sandbox.history.record import Record

    course.reset()
    admin = make_admin_user(course, with_key=True)
    assert admin is not None
    signed_in = course.grade("console", "signin", "alice", "--password", PASSWORD)
    assert signed_in.returncode == 0, signed_in.stderr
    client(admin, "iam").get_user()  # last: before it, only the sign-in shows alice at work
    opened = load_account(course.home / "sandbox")
    assert opened is not None
    account = account_identity(opened)
    record = Record(course.home / "sandbox" / "record.sqlite")
    events = [StoredEvent(*row) for row in record.stored()]
    record.close()
    return account, events


def passed(verdict: dict[str, Any] | None) -> dict[str, bool]:
    assert verdict is not None
    return {c["id"]: c["passed"] for c in verdict["checks"]}


def forged(events: list[StoredEvent], **changes: Any) -> list[StoredEvent]:
    """`events` and, after them, a copy of the last one with `changes` (and an event id
    of its own unless `changes` names one), linked properly."""
    last = events[-1]
    columns = list(last.columns)
    for name, value in {"event_id": str(uuid.uuid4()), **changes}.items():
        columns[COLUMNS.index(name)] = value
    link = chain_link(last.chain, columns)
    return [*events, StoredEvent(last.seq + 1, tuple(columns), link)]


def signin_of(events: list[StoredEvent]) -> int:
    return next(i for i, e in enumerate(events)
                if e.value("operation") == "ConsoleLogin"
                and e.value("principal_name") == "alice")


def test_a_true_record_is_graded_as_the_learner_saw_it(solved: Any) -> None:
    account, events = solved
    outcome = regrade("03-stop-using-root", "sandbox", account, events, None)
    assert outcome.status == REGRADED, outcome.problems
    assert outcome.problems == []
    assert all(passed(outcome.verdict).values()), outcome.verdict


def test_a_forged_console_signin_is_caught_and_does_not_count(solved: Any) -> None:
    """The issue's forgery: a console sign-in as the admin user written into the record
    (here with a password that is not alice's: it never could have happened)."""
    account, events = solved
    at = signin_of(events)
    before = events[:at]
    real = events[at]
    body = json.dumps({"user": "alice", "password": "not-her-password"}).encode()
    lie = forged(before, **{name: real.value(name) for name in COLUMNS if name != "body"},
                 body=body)
    outcome = regrade("03-stop-using-root", "sandbox", account, lie, None)
    assert outcome.status == REGRADED
    assert any("ConsoleLogin" in p and "made again it fails" in p for p in outcome.problems), \
        outcome.problems
    assert passed(outcome.verdict)["signed-in-as-admin"] is False


def test_an_api_call_with_a_signature_that_does_not_hold_is_refused_again(solved: Any) -> None:
    """A recorded CreateUser whose body was changed after it was signed: the account
    refuses it at the door when it is made again, and the user does not exist."""
    account, events = solved
    create = next(e for e in events if e.value("operation") == "CreateUser")
    body = create.value("body").replace(b"alice", b"mallory")
    lie = forged(events, **{name: create.value(name) for name in COLUMNS
                            if name not in ("body", "event_time", "event_id")},
                 body=body, event_time=events[-1].value("event_time"))
    outcome = regrade("03-stop-using-root", "sandbox", account, lie, None)
    assert any("CreateUser" in p and "refuses it at the door" in p for p in outcome.problems), \
        outcome.problems


def test_an_event_that_takes_an_earlier_events_id_is_refused(solved: Any) -> None:
    """A true call written into the record again under an earlier event's id: the checks
    read the event history only down to the newest event they already hold
    (`grader.checks.event_history`), so a copied id could hide every event between."""
    account, events = solved
    earlier = events[2].value("event_id")
    lie = forged(events, event_id=earlier)
    outcome = regrade("03-stop-using-root", "sandbox", account, lie, None)
    assert any("its event id is an earlier event's" in p for p in outcome.problems), \
        outcome.problems
    assert all(passed(outcome.verdict).values()), outcome.verdict  # the rest stands


def test_a_record_cut_short_fails_where_the_work_is_missing(solved: Any) -> None:
    account, events = solved
    outcome = regrade("03-stop-using-root", "sandbox", account, events[:signin_of(events)],
                      None)
    assert outcome.status == REGRADED and outcome.problems == []
    assert passed(outcome.verdict)["signed-in-as-admin"] is False


def test_a_record_that_does_not_replay_is_reported_not_crashed_on(solved: Any) -> None:
    account, events = solved
    nonsense = forged(events, path="/_sandbox/no-such-thing", method="POST", body=b"\xff\x00")
    outcome = regrade("03-stop-using-root", "sandbox", account, nonsense, None)
    assert any("cannot be made again" in p for p in outcome.problems), outcome.problems
    wrong_account = {**account, "seed": account["seed"] + 1}  # another root key: nothing holds
    outcome = regrade("03-stop-using-root", "sandbox", wrong_account, events, None)
    assert outcome.status in (REGRADED, UNREPLAYABLE)
    assert outcome.problems
    broken_chain = [*events[:3], events[4]]
    outcome = regrade("03-stop-using-root", "sandbox", account, broken_chain, None)
    assert outcome.status == UNREPLAYABLE and outcome.verdict is None


def test_live_gradings_are_self_reported_and_unknown_exercises_unreplayable() -> None:
    assert regrade("03-stop-using-root", "live", None, [], None).status == SELF_REPORTED
    assert regrade("42-no-such-exercise", "sandbox", {}, [], None).status == UNREPLAYABLE


def test_a_quiz_is_scored_again_from_the_answers_sent() -> None:
    from grader.course.exercises import find
    from grader.quiz.model import load_quiz, right_letters

    exercise = find("01")
    quiz = load_quiz(exercise.folder)
    right = "".join(f'{q.id} = "{right_letters(exercise.id, q)}"\n' for q in quiz.questions
                    if not q.from_account)
    outcome = regrade(exercise.id, "quiz", None, [], right)
    assert outcome.status == REGRADED and outcome.verdict is not None
    assert outcome.verdict["passed"] is True
    first = quiz.questions[0]
    wrong_letter = next(o for o in "abcdef" if o not in right_letters(exercise.id, first))
    wrong = right.replace(f'{first.id} = "{right_letters(exercise.id, first)}"',
                          f'{first.id} = "{wrong_letter}"')
    outcome = regrade(exercise.id, "quiz", None, [], wrong)
    assert outcome.verdict is not None and outcome.verdict["passed"] is False


def test_a_signin_keeps_a_digest_of_its_password_which_the_regrade_checks(solved: Any) -> None:
    """The record keeps a salted digest of a right password, not the password (#22.6);
    the re-grade recomputes it from alice's password then: a digest of another password,
    its chain recomputed, is caught."""
    import base64
    import hashlib
    import hmac

    account, events = solved
    at = signin_of(events)
    kept = json.loads(events[at].value("body"))
    assert set(kept) == {"user", "passwordHmac"} and PASSWORD not in json.dumps(kept)
    salt = os.urandom(16)
    digest = hmac.new(salt, b"not-her-password", hashlib.sha256).hexdigest()
    body = json.dumps({"user": "alice", "passwordHmac": {
        "salt": base64.urlsafe_b64encode(salt).decode().rstrip("="), "sha256": digest}})
    lie = forged(events[:at], **{name: events[at].value(name) for name in COLUMNS
                                 if name != "body"}, body=body.encode())
    outcome = regrade("03-stop-using-root", "sandbox", account, lie, None)
    assert any("ConsoleLogin" in p and "made again it fails" in p for p in outcome.problems), \
        outcome.problems
    assert passed(outcome.verdict)["signed-in-as-admin"] is False


def test_a_signin_recorded_before_digests_is_still_judged(solved: Any) -> None:
    """A record made before #22.6 keeps the typed password in clear: still read, and
    judged as before (right: true; wrong: caught, as the forged sign-in above)."""
    account, events = solved
    at = signin_of(events)
    old = json.dumps({"user": "alice", "password": PASSWORD}).encode()
    record = forged(events[:at], **{name: events[at].value(name) for name in COLUMNS
                                    if name != "body"}, body=old)
    outcome = regrade("03-stop-using-root", "sandbox", account, record, None)
    assert outcome.problems == []
    assert passed(outcome.verdict)["signed-in-as-admin"] is True
