"""A re-grade judged on top of the account the worker kept (`grader.server.kept_accounts`)
gives the verdict a re-grade from the whole record gives: the same checks' outcomes and
messages, the same problems, a forged event in the new events caught all the same, and a
branch after a start over (`grader.sandbox.start_over.mark`) graded as its own record. Kept
accounts never see each other (`grader.sandbox.history.parking`), and the checks' reads leave no
trace in a kept account (`grader.sandbox.history.footprints`).

The records are real: exercise 03 done in a real simulated account (tests/test_regrade.py's
`solved`), cut into the submissions a learner would have sent."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from grader.progress.submission import StoredEvent
from grader.sandbox.history.record import COLUMNS, chain_link
from grader.server.held_events import HeldEvents
from grader.server.kept_accounts import KEPT
from grader.server.regrade import PAUSED, REGRADED, Regrade, regrade
from tests.test_regrade import forged, signin_of, solved  # noqa: F401

EXERCISE = "03-stop-using-root"
_TIME = COLUMNS.index("event_time")


class Listed(HeldEvents):
    """An incarnation's events as the server would hold them, from a list; says what the
    re-grade read (`reads`: the seq each read started after; 0 is the whole record)."""

    def __init__(self, incarnation_id: int, events: Sequence[StoredEvent]) -> None:
        super().__init__(None, incarnation_id, events[-1].seq)  # type: ignore[arg-type]
        self.events = list(events)
        self.reads: list[int] = []

    def after(self, seq: int) -> list[StoredEvent]:
        self.reads.append(seq)
        return [e for e in self.events if e.seq > seq]


@pytest.fixture(autouse=True)
def nothing_kept() -> Iterator[None]:
    KEPT.clear()
    yield
    KEPT.clear()


def at(events: Sequence[StoredEvent]) -> dt.datetime:
    """A grading made right after the last of `events` (at its time)."""
    return dt.datetime.fromisoformat(events[-1].columns[_TIME])


def same(one: Regrade, other: Regrade) -> None:
    assert (one.status, one.problems) == (other.status, other.problems)
    assert one.verdict is not None and other.verdict is not None
    assert [(c["id"], c["passed"], c["message"]) for c in one.verdict["checks"]] == \
        [(c["id"], c["passed"], c["message"]) for c in other.verdict["checks"]]
    assert one.verdict["passed"] == other.verdict["passed"]


def in_submissions(account: dict[str, Any], events: Sequence[StoredEvent], cuts: list[int],
                   incarnation_id: int = 1) -> tuple[Regrade, list[Listed]]:
    """Re-grade `events` as the submissions a learner sent, each up to a cut (the last up to
    the end), on one kept account; the last verdict, and what each re-grade read."""
    held = [Listed(incarnation_id, events[:cut]) for cut in [*cuts, len(events)]]
    outcome = None
    for part in held:
        outcome = regrade(EXERCISE, "sandbox", account, part, None, at(part.events))
        assert outcome.status == REGRADED, outcome.problems
    assert outcome is not None
    return outcome, held


def test_judged_on_the_kept_account_or_from_scratch_the_verdict_is_the_same(
        solved: Any) -> None:  # noqa: F811
    account, events = solved
    alone = regrade(EXERCISE, "sandbox", account, events, None, at(events))
    cut = signin_of(events)
    assert alone.verdict is not None and alone.verdict["passed"] and alone.problems == []
    on_top, held = in_submissions(account, events, [cut - 3, cut])
    same(on_top, alone)
    # The first read the whole record; each later one only from the kept account's last
    # event on (the event it kept, whose link is checked again, and the new ones).
    assert [h.reads for h in held] == [[0], [cut - 4], [cut - 1]]
    assert 1 in KEPT
    # An earlier grading's verdict came from the events up to it only.
    before = regrade(EXERCISE, "sandbox", account, events[:cut], None, at(events[:cut]))
    assert before.verdict is not None and not before.verdict["passed"]


def test_a_forged_event_in_the_new_events_is_caught_on_the_kept_account(solved: Any,  # noqa: F811
                                                                         ) -> None:
    """The forged console sign-in of tests/test_regrade.py, sent after the account was kept
    up to the event before it: caught, left out, the check fails, as from scratch."""
    account, events = solved
    cut = signin_of(events)
    real = events[cut]
    body = json.dumps({"user": "alice", "password": "not-her-password"}).encode()
    lie = forged(events[:cut], **{name: real.value(name) for name in COLUMNS
                                  if name != "body"}, body=body)
    alone = regrade(EXERCISE, "sandbox", account, lie, None, at(lie))
    assert any("ConsoleLogin" in p and "made again it fails" in p for p in alone.problems)
    on_top, held = in_submissions(account, lie, [cut])
    same(on_top, alone)
    assert held[-1].reads == [cut - 1]  # judged on the kept account
    assert {c["id"]: c["passed"] for c in on_top.verdict["checks"]}["signed-in-as-admin"] \
        is False  # type: ignore[index]
    # And a CreateUser whose body was changed after it was signed, after the whole record.
    create = next(e for e in events if e.value("operation") == "CreateUser")
    changed = forged(events, **{name: create.value(name) for name in COLUMNS
                                if name not in ("body", "event_time", "event_id")},
                     body=create.value("body").replace(b"alice", b"mallory"),
                     event_time=events[-1].value("event_time"))
    KEPT.clear()
    alone = regrade(EXERCISE, "sandbox", account, changed, None, at(changed))
    on_top, held = in_submissions(account, changed, [len(events)])
    same(on_top, alone)
    assert held[-1].reads == [len(events) - 1]
    assert any("CreateUser" in p and "refuses it at the door" in p for p in on_top.problems)


def branch(events: Sequence[StoredEvent], kept: int, folder: Path) -> list[StoredEvent]:
    """`grade restart`'s record: the first `kept` events, the start-over mark, then the
    events after them again (their seqs one later: what they make is not what was recorded,
    so they bring problems of their own to be judged alike both ways)."""
    from grader.sandbox.history.record import Record
    from grader.sandbox.start_over.mark import StartOver, mark

    record = Record(folder / "branch.sqlite")
    record.append_stored([(e.seq, e.columns, e.chain) for e in events[:kept]])
    record.append(mark(StartOver("restart 03", kept, events[-1].seq, events[-1].chain),
                       at(events[:kept]), "us-east-1"))
    seq, columns, link = record.stored(after=kept)[0]
    record.close()
    made = [*events[:kept], StoredEvent(seq, columns, link)]
    for event in events[kept:]:
        made.append(StoredEvent(made[-1].seq + 1, event.columns,
                                chain_link(made[-1].chain, list(event.columns))))
    return made


def test_a_branch_after_a_restart_is_graded_alike_both_ways(solved: Any,  # noqa: F811
                                                            tmp_path: Path) -> None:
    account, events = solved
    cut = signin_of(events)
    restarted = branch(events, cut - 3, tmp_path)
    alone = regrade(EXERCISE, "sandbox", account, restarted, None, at(restarted))
    # The parent incarnation is kept first (same account id: parked side by side).
    parent, _ = in_submissions(account, events, [cut], incarnation_id=1)
    on_top, held = in_submissions(account, restarted, [cut - 2, cut + 1], incarnation_id=2)
    same(on_top, alone)
    assert [h.reads for h in held] == [[0], [cut - 3], [cut]]
    assert 1 in KEPT and 2 in KEPT
    # The parent, taken up again after its branch was judged, is still its own account.
    again, _ = in_submissions(account, events, [], incarnation_id=1)
    same(again, parent)


def test_a_long_rebuild_paused_between_steps_goes_on_to_the_same_verdict(
        solved: Any, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from grader.sandbox.history import rebuild

    account, events = solved
    alone = regrade(EXERCISE, "sandbox", account, events, None, at(events))
    monkeypatch.setattr(rebuild, "STEP", 4)
    held = Listed(7, events)
    asked = []

    def pause() -> bool:
        asked.append(True)
        return True

    outcomes = [regrade(EXERCISE, "sandbox", account, held, None, at(events), pause)]
    while outcomes[-1].status == PAUSED:
        outcomes.append(regrade(EXERCISE, "sandbox", account, held, None, at(events), pause))
    assert len(outcomes) == 1 + -(-len(events) // 4)  # the new account, then a step a turn
    same(outcomes[-1], alone)


def test_kept_accounts_do_not_see_each_other() -> None:
    """Two accounts in one process: a bucket name one holds is free for the other, which
    cannot reach the first's bucket; each is back as it was when taken up again."""
    from moto.s3.models import s3_backends

    from grader.sandbox.history.parking import park, unpark
    from grader.sandbox.history.rebuild import forget_accounts
    from grader.sandbox.server import install_services

    install_services()
    forget_accounts()
    first, second = "111111111111", "222222222222"
    s3_backends[first]["aws"].create_bucket("one-name-for-two", "us-east-1")
    first_parked = park(first)
    assert "one-name-for-two" not in s3_backends.bucket_accounts
    assert not dict.__contains__(s3_backends, first)
    s3_backends[second]["aws"].create_bucket("one-name-for-two", "us-east-1")  # free here
    second_parked = park(second)
    unpark(first_parked)
    assert s3_backends.bucket_accounts["one-name-for-two"] == ("aws", first)
    assert not dict.__contains__(s3_backends, second)
    unpark(second_parked)
    assert s3_backends.bucket_accounts["one-name-for-two"] == ("aws", second)
    assert not dict.__contains__(s3_backends, first)
    forget_accounts()


def test_the_checks_reads_leave_no_trace_in_a_kept_account() -> None:
    from moto.iam.models import iam_backends
    from moto.sns.models import sns_backends

    from grader.sandbox.history.footprints import as_found
    from grader.sandbox.history.rebuild import forget_accounts
    from grader.sandbox.server import install_services

    install_services()
    forget_accounts()
    account = "333333333333"
    iam = iam_backends[account]["global"]
    sns_backends[account]["us-east-1"].list_topics()
    with as_found(account):
        iam.credential_report = True
        iam.credential_report_time = dt.datetime.now(dt.UTC)
        sns_backends[account]["eu-west-1"].list_topics()  # made on first use
    assert getattr(iam, "credential_report_time", None) is None
    assert not iam.credential_report
    assert set(dict.keys(sns_backends[account])) == {"us-east-1"}
    forget_accounts()
