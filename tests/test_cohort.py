"""A learner in an instructor's cohort, end to end: the real `grade` (join, grading,
the background sender, submit, leave) against the real server (`grade-server serve`,
its in-process re-grade worker), with a real simulated account.

The forgery is the issue's: a console sign-in as the admin user written into the
learner's own `record.sqlite` (its chain link recomputed), which turns the learner's
local verdict of 03 into a pass; the server's re-grade does not believe it."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.sandbox.history.record import COLUMNS, Record, chain_link
from tests.admin_user import make_admin_user
from tests.conftest import Course
from tests.server_harness import Deployment, Server, deploy, wait_for


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("cohort-server")
    deployment = deploy(home, f"sqlite:///{home}/server.sqlite")
    deployment.server = Server(home, deployment.url)
    yield deployment
    deployment.server.stop()


def submissions(site: Deployment) -> list[Any]:
    return site.rows("SELECT exercise, mode, status, learner_passed, server_passed, mismatch, "
                     "problems FROM submissions ORDER BY id")


def regraded(site: Deployment, count: int) -> list[Any]:
    """The first `count` submissions, once every one of them has been re-graded."""
    def done() -> list[Any] | None:
        rows = submissions(site)
        return rows if len(rows) >= count and all(r.status != "queued" for r in rows) else None

    return list(wait_for(done, timeout=240, every=0.2))  # a deadline, for a loaded machine


def forge_signin(record: Path) -> None:
    """Append a console sign-in as alice to the record, as a learner could by hand: a copy
    of root's first sign-in with alice's name and a password that is not hers."""
    db = sqlite3.connect(record)
    names = ",".join(COLUMNS)
    row = db.execute(f"SELECT {names} FROM events WHERE operation = 'ConsoleLogin' "
                     "ORDER BY seq LIMIT 1").fetchone()
    last_seq, last_link, last_time = db.execute(
        "SELECT seq, chain, event_time FROM events ORDER BY seq DESC LIMIT 1").fetchone()
    values = dict(zip(COLUMNS, row, strict=True))
    account = record.parent / "account.json"
    account_id = json.loads(account.read_text())["account_id"]
    values.update(identity_type="IAMUser", principal_name="alice",
                  principal_arn=f"arn:aws:iam::{account_id}:user/alice",
                  event_time=last_time, event_id="00000000-0000-4000-8000-000000000000",
                  body=json.dumps({"user": "alice", "password": "a guess"}).encode())
    columns = [values[name] for name in COLUMNS]
    db.execute(f"INSERT INTO events ({names},seq,chain) VALUES "
               f"({','.join('?' * (len(COLUMNS) + 2))})",
               [*columns, last_seq + 1, chain_link(last_link, columns)])
    db.commit()
    db.close()


def test_a_learner_joins_grades_and_the_server_regrades_and_catches_a_forgery(
        fresh: Course, site: Deployment) -> None:
    assert site.server is not None
    joined = fresh.grade("join", site.server.base, site.code, "--name", "Ada Lovelace")
    assert joined.returncode == 0, joined.stderr
    assert (fresh.home / "server.json").stat().st_mode & 0o777 == 0o600
    make_admin_user(fresh)
    status, verdict = fresh.grade_json("03")
    assert status == 1 and not verdict["passed"]
    first = regraded(site, 1)[0]
    assert (first.exercise, first.mode, first.status) == ("03-stop-using-root", "sandbox",
                                                          "regraded")
    assert not first.learner_passed and first.server_passed is not None
    assert not first.server_passed and not first.mismatch

    # The forgery: the local grading now passes...
    assert fresh.grade("sandbox", "stop").returncode == 0
    forge_signin(fresh.home / "sandbox" / "record.sqlite")
    assert fresh.grade("sandbox", "start").returncode == 0
    status, verdict = fresh.grade_json("03")
    assert status == 0 and verdict["passed"], verdict
    # ...and the server's does not: flagged, with the event that did not happen.
    second = regraded(site, 2)[1]
    assert second.learner_passed and second.server_passed is not None
    assert not second.server_passed and second.mismatch
    assert "ConsoleLogin" in json.dumps(second.problems)
    assert fresh.grade("leave").returncode == 0


def test_an_offline_learner_catches_up_and_leave_stops_sending(
        fresh: Course, site: Deployment) -> None:
    assert site.server is not None
    before = len(submissions(site))
    joined = fresh.grade("join", site.server.base, site.code, "--name", "Grace")
    assert joined.returncode == 0, joined.stderr
    membership = json.loads((fresh.home / "server.json").read_text())
    offline = {**membership, "url": "http://127.0.0.1:9"}  # nobody listens there
    (fresh.home / "server.json").write_text(json.dumps(offline))
    for _ in range(2):  # a day of work, offline
        assert fresh.grade("03", "--json").returncode == 1
        assert fresh.grade("sandbox", "advance", "12h").returncode == 0
    waiting = fresh.grade("submit", "--json")
    assert waiting.returncode == 1, waiting.stdout + waiting.stderr
    assert json.loads(waiting.stdout)["waiting"] == 2
    assert len(list((fresh.home / "outbox").glob("*.json.gz"))) == 2
    assert "2 wait to be sent" in fresh.grade().stdout
    (fresh.home / "server.json").write_text(json.dumps(membership))  # back online
    sent = fresh.grade("submit", "--json")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert json.loads(sent.stdout)["sent"] == 2
    rows = regraded(site, before + 2)[before:]
    assert [r.status for r in rows] == ["regraded", "regraded"]
    assert not any(r.mismatch for r in rows)

    # The server holds less than this machine believes (an acknowledgement ahead of it):
    # it answers 409 with its head, and the sender makes the submission again from there.
    assert fresh.grade("sandbox", "advance", "1h").returncode == 0
    record = Record(fresh.home / "sandbox" / "record.sqlite")
    newest = record.count()
    acks = json.loads((fresh.home / "server-acks.json").read_text())
    (account,) = acks
    acks[account] = {"seq": newest, "link": record.link_of(newest)}
    record.close()
    (fresh.home / "server-acks.json").write_text(json.dumps(acks))
    assert fresh.grade("03", "--json").returncode == 1
    assert fresh.grade("submit").returncode == 0
    resent = regraded(site, before + 3)[before + 2]
    assert resent.status == "regraded" and not resent.mismatch
    assert not list((fresh.home / "outbox").rglob("*.json.gz"))  # none refused either

    left = fresh.grade("leave")
    assert left.returncode == 0, left.stderr
    assert not (fresh.home / "server.json").exists()
    fresh.grade("03", "--json")
    assert not list((fresh.home / "outbox").glob("*.json.gz"))
    assert fresh.grade("submit").returncode == 2


def edit_event(record: Path, seq: int) -> None:
    """Change event `seq` of the record by hand and recompute every link from it on, as a
    learner hiding a call would: the chain holds again, locally."""
    db = sqlite3.connect(record)
    names = ",".join(COLUMNS)
    previous = db.execute("SELECT chain FROM events WHERE seq = ?", (seq - 1,)).fetchone()[0]
    rows = db.execute(f"SELECT seq,{names} FROM events WHERE seq >= ? ORDER BY seq",
                      (seq,)).fetchall()
    marks = ",".join("?" * (len(COLUMNS) + 1))
    for row in rows:
        values = list(row[1:])
        if row[0] == seq:
            values[COLUMNS.index("user_agent")] = "edited by hand"
        link = chain_link(previous, values)
        db.execute(f"UPDATE events SET ({names},chain) = ({marks}) WHERE seq = ?",
                   [*values, link, row[0]])
        previous = link
    db.commit()
    db.close()


def incidents(site: Deployment) -> list[Any]:
    return site.rows("SELECT learner_id, kind, detail FROM incidents ORDER BY id")


def test_history_the_server_holds_edited_by_hand_is_refused_and_told(
        fresh: Course, site: Deployment) -> None:
    """Unlike `grade restart`, an edit leaves no start-over mark: however the client
    sends it, the server refuses it and the instructor is told."""
    assert site.server is not None
    before = len(incidents(site))
    assert fresh.grade("join", site.server.base, site.code, "--name", "Eve").returncode == 0
    make_admin_user(fresh)
    assert fresh.grade("03", "--json").returncode == 1
    assert fresh.grade("submit").returncode == 0
    assert fresh.grade("sandbox", "stop").returncode == 0
    edit_event(fresh.home / "sandbox" / "record.sqlite", 6)
    assert Record(fresh.home / "sandbox" / "record.sqlite").verify() is None  # whole, locally
    assert fresh.grade("sandbox", "start").returncode == 0
    assert fresh.grade("03", "--json").returncode == 1
    fresh.grade("submit")
    refused = list((fresh.home / "outbox" / "refused").glob("*.json.gz"))
    assert refused, "the edited record was taken"
    told = incidents(site)[before:]
    assert [t.kind for t in told] == ["rewrite"] and "Eve rewrote event 6" in told[0].detail
    assert fresh.grade("leave").returncode == 0


def test_a_classmates_copied_account_is_refused_and_both_are_told(
        fresh: Course, site: Deployment, tmp_path: Path) -> None:
    """The issue's copy: a classmate's `GRADE_HOME/sandbox/`, whose 03 passes, copied into
    another learner's GRADE_HOME. It passes there locally; the server refuses it."""
    import shutil

    assert site.server is not None
    before = len(incidents(site))
    assert fresh.grade("join", site.server.base, site.code, "--name", "Owner").returncode == 0
    solution = Path(__file__).parents[1] / "exercises" / "03-stop-using-root" / "solution"
    assert fresh.run([sys.executable, str(solution / "solution_boto3.py")]).returncode == 0
    assert fresh.grade("03", "--json").returncode == 0
    assert fresh.grade("submit").returncode == 0
    assert fresh.grade("sandbox", "stop").returncode == 0
    copier = Course(tmp_path / "copier-home")
    shutil.copytree(fresh.home / "sandbox", copier.home / "sandbox")
    assert fresh.grade("sandbox", "start").returncode == 0
    assert copier.grade("join", site.server.base, site.code, "--name", "Copier").returncode == 0
    assert copier.grade("sandbox", "start").returncode == 0
    try:
        assert copier.grade("03", "--json").returncode == 0  # a pass, locally
        copier.grade("submit")
        assert list((copier.home / "outbox" / "refused").glob("*.json.gz"))
    finally:
        copier.grade("sandbox", "stop")
    told = incidents(site)[before:]
    assert sorted(t.kind for t in told) == ["shared-account", "shared-account"]
    assert all("Copier submitted" in t.detail for t in told)
    copier_id = site.rows("SELECT id FROM learners WHERE name = 'Copier'")[0].id
    assert site.rows("SELECT id FROM submissions WHERE learner_id = :l", l=copier_id) == []
    assert fresh.grade("leave").returncode == 0
