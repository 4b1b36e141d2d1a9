"""The server's re-grade judges root's passkeys as the console judged them (#22.5).

The honest record is real: root signs in with its password, adds a passkey
(`SoftKey`, a software authenticator) and signs in with it, over raw HTTP as the
web page does. The forgeries are what a learner could write into their own
`record.sqlite`, chain links recomputed so that only the re-grade can catch them:
a passkey sign-in by an IAM user, a root passkey sign-in that stands in for root's
console session, a passkey registration nobody made, an old answer sent again.
Each must be reported (by its event) and left out, so that the checks fail."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import pytest

from grader.progress.submission import StoredEvent
from grader.sandbox.history.record import COLUMNS, chain_link
from grader.server.regrade import REGRADED, Regrade, regrade
from tests.admin_user import PASSWORD, make_admin_user
from tests.conftest import Course, client
from tests.front_desk import grader_env
from tests.test_passkeys import (
    Desk,
    SoftKey,
    b64url,
    password,
    register_soft_key,
    root_session,
    signin_challenge,
)

Columns = dict[str, Any]


@pytest.fixture(scope="module")
def honest(course: Course) -> tuple[dict[str, Any], list[StoredEvent], str]:
    """An account where alice (an admin) exists, root signed in with its password, added
    a passkey and signed in with it; its identity, its record, and the desk's origin."""
    from grader.progress.submission import account_identity
    from grader.sandbox.account import load_account
    from grader.sandbox.history.record import Record

    course.reset()
    make_admin_user(course, with_key=True)
    desk, key = Desk(course), SoftKey()
    status, answer = register_soft_key(desk, root_session(desk, course), key, "mine")
    assert status == 200, answer
    challenge = signin_challenge(desk, course)
    status, answer = desk.post("passkey/signin", {"user": "root", "password": password(course),
                                                  "credential": key.get(challenge, desk.origin)})
    assert status == 200 and answer["mfaUsed"] is True, answer
    opened = load_account(course.home / "sandbox")
    assert opened is not None
    record = Record(course.home / "sandbox" / "record.sqlite")
    events = [StoredEvent(*row) for row in record.stored()]
    record.close()
    return account_identity(opened), events, desk.origin


# -- reading and forging the record -------------------------------------------------------

def columns(event: StoredEvent) -> Columns:
    return dict(zip(COLUMNS, event.columns, strict=True))


def path_of(event: StoredEvent) -> str:
    return str(event.value("path"))


def index(events: list[StoredEvent], path: str, nth: int = 0) -> int:
    """The position of the `nth` event made at console `path`."""
    found = [i for i, e in enumerate(events) if path_of(e) == "/_sandbox/console/" + path]
    return found[nth]


def relinked(before: list[StoredEvent], *added: Columns) -> list[StoredEvent]:
    """`before`, then `added` events in order, each given its seq, an event id of its own
    (a copied one is caught as such: tests/test_regrade.py) and a chain link that holds (as
    a learner rewriting their own record can)."""
    events = list(before)
    for values in added:
        values = {**values, "event_id": str(uuid.uuid4())}
        last = events[-1]
        stored = tuple(values[name] for name in COLUMNS)
        events.append(StoredEvent(last.seq + 1, stored, chain_link(last.chain, list(stored))))
    return events


def with_body(event: StoredEvent, body: dict[str, Any], **changes: Any) -> Columns:
    return columns(event) | {"body": json.dumps(body).encode()} | changes


def passed(outcome: Regrade) -> dict[str, bool]:
    assert outcome.status == REGRADED and outcome.verdict is not None, outcome.problems
    return {c["id"]: c["passed"] for c in outcome.verdict["checks"]}


def reported(outcome: Regrade, seq: int, *words: str) -> bool:
    """Whether a problem names event `seq` and says each of `words`."""
    return any(f"event {seq} " in p and all(w in p for w in words) for p in outcome.problems)


def challenge_event(like: StoredEvent, purpose: str, challenge: bytes) -> Columns:
    """A challenge event as the account records one (copied from a real one)."""
    return with_body(like, {"purpose": purpose, "challenge": b64url(challenge)},
                     parameters=json.dumps({"purpose": purpose}))


# -- the honest record --------------------------------------------------------------------

def test_the_honest_record_is_judged_true_and_root_has_mfa(honest: Any) -> None:
    account, events, _ = honest
    kinds = [e.value("event_type") for e in events]
    assert kinds.count("AccountChallenge") == 2  # the registration's, the sign-in's
    outcome = regrade("04-mfa", "sandbox", account, events, None)
    assert outcome.problems == []
    assert passed(outcome)["root-has-mfa"] is True


def test_challenges_are_recorded_but_cloudtrail_does_not_show_them(course: Course,
                                                                   honest: Any) -> None:
    trail = client(grader_env(course), "cloudtrail")
    names = {e["EventName"] for e in trail.lookup_events(MaxResults=50)["Events"]}
    assert "ConsoleLogin" in names and "EnableMFADevice" in names
    assert "PasskeyChallenge" not in names


# -- the forgeries ------------------------------------------------------------------------

def test_a_passkey_signin_by_an_iam_user_is_caught(honest: Any) -> None:
    """The issue's: a passkey sign-in by alice, wrong password, no passkey: re-graded as
    a pass with nothing reported before."""
    account, events, _ = honest
    root_signin = index(events, "signin", -1)
    real = events[index(events, "passkey/signin")]
    lie = relinked(events[:root_signin], with_body(
        real, {"user": "alice", "password": "a guess"}, identity_type="IAMUser",
        principal_name="alice", principal_arn=f"arn:aws:iam::{account['accountId']}:user/alice",
        principal_id=None))
    outcome = regrade("03-stop-using-root", "sandbox", account, lie, None)
    assert reported(outcome, lie[-1].seq, "ConsoleLogin", "Only the root user"), \
        outcome.problems
    assert passed(outcome)["signed-in-as-admin"] is False


def test_an_invented_root_passkey_signin_opens_no_console_session(honest: Any) -> None:
    """Root's password sign-in replaced by a passkey sign-in with root's password and a
    stranger's key (root has no passkey yet): the passkey added in that 'session' is not
    root's, nor its MFA. Then again with the challenge forged too: the key still is not
    root's."""
    account, events, origin = honest
    at = index(events, "signin", -1)
    real_signin = events[index(events, "passkey/signin")]
    stranger = SoftKey()
    challenge = os.urandom(32)
    invented = with_body(real_signin, {"user": "root", "password": account["rootPassword"],
                                       "credential": stranger.get(challenge, origin)})
    rest = [columns(e) for e in events[at + 1:index(events, "passkey/register") + 1]]
    for lie in (relinked(events[:at], invented, *rest),
                relinked(events[:at], challenge_event(events[at + 1], "signin", challenge),
                         invented, *rest)):
        outcome = regrade("04-mfa", "sandbox", account, lie, None)
        forged = next(e.seq for e in lie if path_of(e).endswith("passkey/signin"))
        assert reported(outcome, forged, "ConsoleLogin", "made again it fails"), \
            outcome.problems
        registered = lie[-1].seq
        assert reported(outcome, registered, "EnableMFADevice", "no console session"), \
            outcome.problems
        assert passed(outcome)["root-has-mfa"] is False


def test_an_invented_passkey_registration_gives_root_no_mfa(honest: Any) -> None:
    """After root's true password sign-in: a registration answering no challenge of the
    account's; answering a forged challenge, made for another site (RP ID); made at
    another origin."""
    account, events, origin = honest
    at = index(events, "signin", -1)
    given = events[at + 1]  # the registration's challenge, as recorded
    real = events[index(events, "passkey/register")]

    def registration(challenge: bytes, key: SoftKey, made_at: str = origin) -> Columns:
        return with_body(real, {"name": "mine", "credential": key.create(challenge, made_at)})

    nowhere, elsewhere, later = os.urandom(32), os.urandom(32), os.urandom(32)
    cases = [
        (relinked(events[:at + 1], registration(nowhere, SoftKey())),
         "expired or was already used"),
        (relinked(events[:at + 1], challenge_event(given, "register", elsewhere),
                  registration(elsewhere, SoftKey(rp_id="example.com"))), "not registered"),
        (relinked(events[:at + 1], challenge_event(given, "register", later),
                  registration(later, SoftKey(), "http://localhost:1")), "not registered"),
    ]
    for lie, why in cases:
        outcome = regrade("04-mfa", "sandbox", account, lie, None)
        assert reported(outcome, lie[-1].seq, "EnableMFADevice", why), (why, outcome.problems)
        assert passed(outcome)["root-has-mfa"] is False, why


def test_an_old_passkey_answer_sent_again_is_caught(honest: Any) -> None:
    """The true passkey sign-in, and its challenge, written again at the end: the
    challenge is handed out once, and the answer does not sign in twice."""
    account, events, _ = honest
    signin = index(events, "passkey/signin")
    now = events[-1].value("event_time")
    again = [columns(e) | {"event_time": now} for e in events[signin - 1:signin + 1]]
    lie = relinked(events, *again)
    outcome = regrade("04-mfa", "sandbox", account, lie, None)
    assert reported(outcome, lie[-2].seq, "PasskeyChallenge", "handed out"), outcome.problems
    assert reported(outcome, lie[-1].seq, "ConsoleLogin", "made again it fails",
                    "expired or was already used"), outcome.problems
    assert len(outcome.problems) == 2, outcome.problems
    assert passed(outcome)["root-has-mfa"] is True  # the true ones still stand


def test_a_passkey_signin_with_a_wrong_password_is_caught(honest: Any) -> None:
    """Root's true passkey sign-in, its password's digest replaced by a clear wrong one."""
    account, events, _ = honest
    signin = index(events, "passkey/signin")
    sent = json.loads(events[signin].value("body"))
    assert "password" not in sent and "passwordHmac" in sent
    lie = relinked(events[:signin], with_body(events[signin], {
        "user": "root", "password": PASSWORD, "credential": sent["credential"]}))
    outcome = regrade("04-mfa", "sandbox", account, lie, None)
    assert reported(outcome, lie[-1].seq, "ConsoleLogin", "made again it fails"), \
        outcome.problems
