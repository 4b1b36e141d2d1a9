"""What the record keeps of console sign-ins (#22.6): never what a refused one typed.

A learner who types a real password into the simulated console by mistake must not
find it in `record.sqlite`, nor send it to their instructor. The sign-ins are made as
learners make them: `grade console signin`, the web page's request (raw HTTP, as its
script sends it), the passkey step; the submission is the one the real `grade` queues
for a server (offline here, so that it waits in the outbox as sent bytes)."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

from grader.progress.submission import parse
from grader.sandbox.history.record import Record
from tests.admin_user import PASSWORD, make_admin_user
from tests.conftest import Course
from tests.test_passkeys import Desk

TYPED = {  # what a learner might type by mistake: each must appear nowhere
    "cli": "Bank-Password-CLI-7Qx9",
    "page": "Bank-Password-PAGE-3Kd2",
    "passkey": "Bank-Password-PASSKEY-8Lm4",
    "code": "Bank-Password-CODE-5Tz1",
}


def join_offline(course: Course) -> None:
    """A membership of a server nobody answers for: each grading waits in the outbox."""
    (course.home / "server.json").write_text(json.dumps({
        "url": "http://127.0.0.1:9", "learner": "l-1", "token": "t" * 43, "cohort": "c-1",
        "name": "Ada", "joined_at": "2026-01-01T00:00:00+00:00"}))
    (course.home / "server.json").chmod(0o600)


def forms_of(secret: str) -> list[bytes]:
    """The secret as bytes, and in the encodings a record or a submission might hold it."""
    raw = secret.encode()
    forms = [raw, json.dumps(secret).encode()[1:-1]]
    for shift in range(3):  # base64 at each alignment, as in a base64'd body
        padded = b"\0" * shift + raw
        text = base64.b64encode(padded)[4 if shift else 0:-4]
        forms += [text, text.replace(b"+", b"-").replace(b"/", b"_")]
    return forms


def leaks(data: bytes) -> list[str]:
    return [name for name, secret in TYPED.items() if any(f in data for f in forms_of(secret))]


def console_signins(course: Course) -> list[dict[str, Any]]:
    record = Record(course.home / "sandbox" / "record.sqlite")
    try:
        return [{"status": e.status, "user": e.principal_name, "body": json.loads(e.body)}
                for e in record.events() if e.operation == "ConsoleLogin"]
    finally:
        record.close()


def test_a_refused_signin_keeps_nothing_typed_in_the_record_or_the_submission(
        fresh: Course) -> None:
    make_admin_user(fresh)
    join_offline(fresh)
    refused = fresh.grade("console", "signin", "alice", "--password", TYPED["cli"], input="")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    desk = Desk(fresh)
    email = fresh.account()["root_email"]
    status, _ = desk.post("signin", {"user": email, "password": TYPED["page"]})
    assert status == 401
    status, _ = desk.post("signin", {"user": "alice", "password": PASSWORD,
                                     "mfaCode": TYPED["code"]})
    assert status == 200  # alice has no MFA: a code is not needed, and not kept either
    status, _ = desk.post("passkey/signin", {"user": "root", "password": TYPED["passkey"],
                                             "credential": {}})
    assert status == 401
    signed_in = fresh.grade("console", "signin", "alice", "--password", PASSWORD, input="")
    assert signed_in.returncode == 0, signed_in.stderr

    status, verdict = fresh.grade_json("03")
    assert verdict["exercise"] == "03-stop-using-root"
    assert fresh.grade("sandbox", "stop").returncode == 0  # the WAL folded into the file
    sandbox = fresh.home / "sandbox"
    for path in sorted(p for p in fresh.home.rglob("*") if p.is_file()):
        assert leaks(path.read_bytes()) == [], path
    assert (sandbox / "record.sqlite").exists()
    (sent,) = list((fresh.home / "outbox").glob("*.json.gz"))
    body = sent.read_bytes()
    document = gzip.decompress(body)
    assert leaks(document) == []
    submission = parse(body)
    assert submission.record is not None and len(submission.record.events) > 10
    for event in submission.record.events:
        assert leaks(json.dumps(event.columns[:-1]).encode() + event.value("body")) == []
    assert PASSWORD.encode() not in b"".join(
        e.value("body") for e in submission.record.events if e.value("operation") ==
        "ConsoleLogin")

    # What each sign-in kept: the user's name, and a digest of a right password.
    logins = console_signins(fresh)
    failures = [x for x in logins if x["status"] >= 400]
    assert {x["user"] for x in failures} == {"alice", None} and len(failures) == 3
    assert all(set(x["body"]) <= {"user", "credential"} for x in failures), failures
    successes = [x for x in logins if x["status"] == 200 and x["user"] == "alice"]
    assert len(successes) == 2
    assert all(set(x["body"]) == {"user", "passwordHmac"} for x in successes), successes


def test_a_password_digest_from_the_record_signs_nobody_in(fresh: Course) -> None:
    """The record's digest of a right password is for the re-grade only: sent to the live
    console instead of a password, it is refused."""
    make_admin_user(fresh)
    assert fresh.grade("console", "signin", "alice", "--password", PASSWORD,
                       input="").returncode == 0
    kept = console_signins(fresh)[-1]["body"]
    assert kept["user"] == "alice" and "passwordHmac" in kept
    status, answer = Desk(fresh).post("signin", kept)
    assert status == 401 and answer["error"].startswith("Your authentication information")


def test_the_web_pages_form_never_puts_a_password_in_an_address() -> None:
    page = Path(__file__).parent.parent / "grader/sandbox/services/console/page/index.html"
    assert '<form id="signin-form" method="post">' in page.read_text(encoding="utf-8")
