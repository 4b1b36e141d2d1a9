"""A record made by an earlier version of the course (`tests/old_record.py`: made with the
code, moto and botocore of before the services were folders) still rebuilds, with
today's, into the very account it rebuilt into then, ids, secrets' ids and delivered log
files included: an upgrade of moto, or a change of ours, that would change what learners'
records rebuild into fails here before it lands."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from tests.old_record import EXPECTED, RECORD, copy_of_record, rebuild_old_record, rebuilt_state


def test_an_old_record_rebuilds_into_the_same_account(tmp_path: Path) -> None:
    from grader.sandbox.history.rebuild import forget_accounts

    rebuilt = rebuild_old_record(tmp_path)
    try:
        assert rebuilt.problems == []
        expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
        assert expected["users"] and expected["buckets"]  # the record did something
        assert rebuilt_state(rebuilt.app) == expected
    finally:
        forget_accounts()


def test_the_old_record_says_nothing_of_its_versions_and_a_new_one_says_them(
        tmp_path: Path) -> None:
    """The old record (made before records kept their versions) still loads; a record
    appended to now says which moto and botocore made its events from there on."""
    from grader.sandbox.history.record import Record, made_by

    assert b"made_with" not in RECORD.read_bytes()  # made before records kept versions
    old = Record(copy_of_record(tmp_path))
    try:
        assert old.made_with() == []
    finally:
        old.close()
    rebuilt = rebuild_old_record(tmp_path)
    try:
        record = rebuilt.app.record
        assert record.made_with() == []  # stored as sent: the learner's versions unknown
    finally:
        from grader.sandbox.history.rebuild import forget_accounts

        forget_accounts()
    appended = Record(copy_of_record(tmp_path))
    try:
        again = dataclasses.replace(list(appended.events())[-1], event_id="appended", seq=0)
        seq = appended.append(again)
        appended.append(dataclasses.replace(again, event_id="appended again", seq=0))
        assert appended.made_with() == [(seq, *made_by())]  # once, from where it began
        assert made_by()[0].startswith("5.")
    finally:
        appended.close()
