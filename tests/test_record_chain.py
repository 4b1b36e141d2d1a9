"""The record's hash chain: each event linked to the one before, so that a change, an
insertion or a removal anywhere is seen after it (`Record.verify`); a record from before
the chain gets its links when opened, and truncating it (`grade restart`) keeps them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from grader.sandbox.history.record import GENESIS, Event, Record


def event(number: int) -> Event:
    return Event(
        event_id=f"e{number}", event_time=f"2026-11-29T10:00:{number:02d}+00:00",
        event_type="AwsApiCall", identity_type="IAMUser", principal_name="alice",
        principal_arn="arn:aws:iam::111122223333:user/alice", principal_id="AIDA",
        access_key_id="AKIA", service="iam", operation="CreateUser", region="us-east-1",
        read_only=False, parameters={"UserName": f"user{number}"}, response={"ok": True},
        status=200, error_code=None, error_message=None, source_ip="127.0.0.1",
        user_agent="test", request_id=f"r{number}", resources=[], replay=True,
        method="POST", path="/", query="", headers={"HTTP_HOST": "x"}, body=b"\x00body")


def filled(path: Path, count: int = 5) -> Record:
    record = Record(path)
    for number in range(1, count + 1):
        record.append(event(number))
    return record


def test_a_grown_record_verifies_and_its_head_moves(tmp_path: Path) -> None:
    record = filled(tmp_path / "record.sqlite")
    assert record.verify() is None and record.head != GENESIS
    head = record.head
    record.append(event(6))
    assert record.verify() is None and record.head != head
    record.close()
    assert Record(tmp_path / "record.sqlite").head == filled(tmp_path / "other.sqlite",
                                                              6).head


def test_a_change_an_insertion_or_a_removal_is_seen(tmp_path: Path) -> None:
    for tamper, first_bad in (
            ("UPDATE events SET principal_name = 'mallory' WHERE seq = 3", 3),
            ("UPDATE events SET body = X'00' WHERE seq = 2", 2),
            ("DELETE FROM events WHERE seq = 2", 3),
            ("UPDATE events SET seq = seq + 10 WHERE seq >= 4", None)):
        path = tmp_path / f"{first_bad}-{abs(hash(tamper))}.sqlite"
        filled(path).close()
        with sqlite3.connect(path) as db:
            db.execute(tamper)
        found = Record(path).verify()
        if first_bad is None:  # renumbering alone changes no event and no order
            assert found is None
        else:
            assert found == first_bad, tamper


def test_an_event_inserted_with_its_own_link_is_seen(tmp_path: Path) -> None:
    """A forged row slipped in between two events, even with a link computed for it,
    breaks the next event's link."""
    from grader.sandbox.history.record import chain_link

    path = tmp_path / "record.sqlite"
    record = filled(path)
    record.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE events SET seq = seq + 100 WHERE seq >= 3")  # room at 3
        db.execute("UPDATE events SET seq = seq - 99 WHERE seq >= 100")
        names = [r[1] for r in db.execute("PRAGMA table_info(events)")][1:-1]
        row = list(db.execute(f"SELECT {','.join(names)} FROM events WHERE seq = 2").fetchone())
        previous = db.execute("SELECT chain FROM events WHERE seq = 2").fetchone()[0]
        db.execute(f"INSERT INTO events (seq,{','.join(names)},chain) VALUES "
                   f"(3,{','.join('?' for _ in names)},?)", [*row, chain_link(previous, row)])
    assert Record(path).verify() == 4


def test_a_record_from_before_the_chain_gets_its_links(tmp_path: Path) -> None:
    path = tmp_path / "record.sqlite"
    filled(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE events SET chain = NULL")
    reopened = Record(path)
    assert reopened.verify() is None
    assert reopened.head == filled(tmp_path / "fresh.sqlite").head


def test_a_truncated_record_keeps_its_links(tmp_path: Path) -> None:
    path = tmp_path / "record.sqlite"
    filled(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM events WHERE seq > 3")
    record = Record(path)
    assert record.verify() is None and record.head == filled(tmp_path / "three.sqlite", 3).head
