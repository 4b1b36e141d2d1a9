"""The learner's HTTP API of the real server (uvicorn in a subprocess), on SQLite and on
PostgreSQL: joining, submitting (idempotent retries, the record's continuity, flags),
reading one's own record, leaving; and raw HTTP attacks: unsigned, badly signed,
replayed, oversized, gzip bombs, malformed, injection-looking names, rate limits."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from grader.progress.submission import MAX_SENT_BYTES, sign
from grader.sandbox.history.record import CLOCK_EVENT, START_OVER_EVENT
from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import (
    Deployment,
    Record,
    deploy,
    gzip_bomb,
    server_database_fixture,  # noqa: F401
    submission,
)
from tests.server_harness import Server as RunningServer

# The server tests share one worker (scripts/test: --dist loadgroup), so that each module's
# servers and the PostgreSQL cluster start once, not once per worker.
pytestmark = pytest.mark.xdist_group("server")


@pytest.fixture(scope="module")
def site(server_database: str, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("server-home")
    deployment = deploy(home, server_database)
    # Re-grading is the worker's tests' business: this server only takes submissions.
    deployment.server = RunningServer(home, server_database, "--no-regrade")
    yield deployment
    deployment.server.stop()


def _server(site: Deployment) -> RunningServer:
    assert site.server is not None
    return site.server


def _stored(site: Deployment, learner_id: int) -> int:
    return int(site.rows("SELECT COUNT(*) FROM submissions WHERE learner_id = :l",
                         l=learner_id)[0][0])


def test_join_gives_a_token_and_refuses_bad_codes_and_bodies(site: Deployment) -> None:
    server = _server(site)
    joined = server.json("POST", "/api/join", {"code": site.code, "name": "Ada Lovelace"},
                         source="127.0.0.2")
    assert joined.status == 201, joined.text
    document = joined.json()
    assert set(document) == {"learner", "token", "cohort"} and document["cohort"] == "Cohort A"
    assert len(document["token"]) >= 43  # 32 random bytes, urlsafe base64
    stored = site.rows("SELECT token_digest FROM learners WHERE public_id = :p",
                       p=document["learner"])[0][0]
    assert document["token"] not in stored and len(stored) == 64  # only its SHA-256
    for body, status in [({"code": "NOPE-NOPE", "name": "x"}, 404),
                         ({"code": site.code}, 400), ({"code": site.code, "name": "x" * 101}, 400),
                         ({"code": site.code, "name": "   "}, 400), ([1, 2], 400)]:
        reply = server.json("POST", "/api/join", body, source="127.0.0.2")
        assert reply.status == status, (body, reply.text)
        assert set(reply.json()) == {"error", "fix"}
    broken = server.request("POST", "/api/join", b"{not json", source="127.0.0.2")
    assert broken.status == 400 and "error" in broken.json()


def test_joins_are_rate_limited_per_client_address(site: Deployment) -> None:
    server = _server(site)
    statuses = [server.json("POST", "/api/join", {"code": "NOPE-NOPE", "name": "x"},
                            source="127.0.0.3").status for _ in range(12)]
    assert statuses[:10] == [404] * 10 and statuses[-1] == 429
    limited = server.json("POST", "/api/join", {"code": site.code, "name": "x"},
                          source="127.0.0.3")
    assert limited.status == 429 and int(limited.headers["retry-after"]) >= 1
    assert server.json("POST", "/api/join", {"code": site.code, "name": "Other address"},
                       source="127.0.0.4").status == 201


def test_a_submission_is_stored_once_and_extends_the_record(site: Deployment) -> None:
    server, learner = _server(site), site.seed_learner("Grace")
    record = Record()
    record.add(5)
    first = submission(record)
    taken = server.submit(learner["token"], first)
    assert taken.status == 201, taken.text
    head = {"accountId": record.account_id, "seq": 5, "link": record.head[1]}
    assert taken.json() == {"id": first.id, "record": head}
    again = server.submit(learner["token"], first)  # a retry: same id
    assert again.status == 200 and again.json() == {"id": first.id, "record": head}
    assert _stored(site, learner["id"]) == 1 and site.count("jobs") >= 1
    record.add(3)
    onward = server.submit(learner["token"], submission(record, after=5))
    assert onward.status == 201 and onward.json()["record"]["seq"] == 8
    resent = server.submit(learner["token"], submission(record, after=2))  # overlaps 3..5
    assert resent.status == 201 and resent.json()["record"]["seq"] == 8
    slices = site.rows("SELECT first_seq, last_seq FROM record_slices rs JOIN incarnations i "
                       "ON i.id = rs.incarnation_id WHERE i.learner_id = :l ORDER BY first_seq",
                       l=learner["id"])
    assert [tuple(r) for r in slices] == [(1, 5), (6, 8)]  # nothing kept twice


def test_a_gap_is_answered_with_the_servers_head(site: Deployment) -> None:
    server, learner = _server(site), site.seed_learner("Hopper")
    record = Record()
    record.add(4)
    assert server.submit(learner["token"], submission(record, after=0)).status == 201
    record.add(4)
    gap = server.submit(learner["token"], submission(record, after=6))
    assert gap.status == 409
    assert gap.json()["record"] == {"accountId": record.account_id, "seq": 4,
                                    "link": record.events[3].chain}
    assert {"error", "fix"} <= set(gap.json())
    assert _stored(site, learner["id"]) == 1
    assert server.submit(learner["token"], submission(record, after=4)).status == 201


def test_history_rewritten_is_refused_and_kept_as_an_incident(site: Deployment) -> None:
    server, learner = _server(site), site.seed_learner("Mallory")
    record = Record()
    record.add(6)
    assert server.submit(learner["token"], submission(record)).status == 201
    forged = Record(record.account_id, salt="forged")  # events 1.. differ from what was sent
    forged.events = list(record.events[:2])
    forged.add(6)
    refused = server.submit(learner["token"], submission(forged, after=2))
    assert refused.status == 409, refused.text
    assert refused.json()["record"]["seq"] == 6
    assert _stored(site, learner["id"]) == 1
    incidents = site.rows("SELECT kind, seq, detail FROM incidents WHERE learner_id = :l",
                          l=learner["id"])
    assert [(i[0], i[1]) for i in incidents] == [("rewrite", 3)]
    assert "Mallory rewrote event 3" in incidents[0][2]
    # A slice starting after a seq the server holds, with another link there: a rewrite too.
    refused = server.submit(learner["token"], submission(forged, after=4))
    assert refused.status == 409 and _stored(site, learner["id"]) == 1


def test_a_reset_account_starts_a_new_incarnation(site: Deployment) -> None:
    server, learner = _server(site), site.seed_learner("Reset")
    first = Record()
    first.add(3)
    assert server.submit(learner["token"], submission(first)).status == 201
    second = Record(first.account_id, salt="after reset")
    second.add(2)
    taken = server.submit(learner["token"], submission(second))
    assert taken.status == 201 and taken.json()["record"]["seq"] == 2
    flags = site.rows("SELECT flags FROM submissions WHERE learner_id = :l ORDER BY id",
                      l=learner["id"])
    assert "started-over" in json.dumps(flags[-1][0])
    assert len(site.rows("SELECT id FROM incarnations WHERE learner_id = :l",
                         l=learner["id"])) == 2
    first.add(1)  # the old incarnation can still be extended (a resend from before)
    assert server.submit(learner["token"], submission(first, after=3)).status == 201


def _restarted(record: Record, kept: int, reason: str = "restart 03",
               replaced: tuple[int, str] | None = None, salt: str = "again") -> Record:
    """`record` as `grade restart` leaves it: its first `kept` events, the start-over
    mark, then new work."""
    branch = Record(record.account_id, list(record.events[:kept]), salt=salt)
    seq, link = replaced or record.head
    branch.add(1, event_type=START_OVER_EVENT, parameters={
        "reason": reason, "kept": kept, "replacedSeq": seq, "replacedLink": link})
    branch.add(2)
    return branch


def _incarnations(site: Deployment, learner_id: int) -> list[Any]:
    return site.rows("SELECT parent_id, branched_at, start_reason, head_seq FROM incarnations "
                     "WHERE learner_id = :l ORDER BY id", l=learner_id)


def test_a_declared_restart_is_a_new_branch_and_can_go_on(site: Deployment) -> None:
    server, learner = _server(site), site.seed_learner("Restarter")
    record = Record()
    record.add(6)
    assert server.submit(learner["token"], submission(record)).status == 201
    branch = _restarted(record, kept=3)
    taken = server.submit(learner["token"], submission(branch))
    assert taken.status == 201, taken.text  # today: a 500, for ever after
    assert taken.json()["record"]["seq"] == 6
    first, second = _incarnations(site, learner["id"])
    assert first.parent_id is None and second.parent_id is not None and second.branched_at == 3
    assert second.start_reason == "restart 03"
    flags = site.rows("SELECT flags, flagged FROM submissions WHERE learner_id = :l "
                      "ORDER BY id", l=learner["id"])
    assert "restarted" in json.dumps(flags[-1][0]) and "restart 03" in json.dumps(flags[-1][0])
    branch.add(2)  # the branch goes on from its head
    assert server.submit(learner["token"], submission(branch, after=6)).status == 201
    record.add(1)  # and the old one can come back (`grade sandbox restore`), whole
    assert server.submit(learner["token"], submission(record)).status == 201
    assert [r.head_seq for r in _incarnations(site, learner["id"])] == [7, 8]
    assert site.rows("SELECT id FROM incidents WHERE learner_id = :l", l=learner["id"]) == []


@pytest.mark.parametrize("how", ["edited", "edited-marked-rewound", "mark-keeps-too-few",
                                 "mark-names-an-event-the-server-never-had"])
def test_history_changed_without_an_honest_mark_is_refused(site: Deployment, how: str) -> None:
    """An edit of events the server holds is not a restart, however it is sent."""
    server, learner = _server(site), site.seed_learner(f"Editor {how}")
    record = Record()
    record.add(6)
    assert server.submit(learner["token"], submission(record)).status == 201
    if how.startswith("edited"):
        changed = Record(record.account_id, list(record.events[:2]), salt="edited")
        changed.add(5)
    elif how == "mark-keeps-too-few":  # it keeps 3 events but says 2: event 3 was changed?
        changed = Record(record.account_id, list(record.events[:3]), salt="too few")
        changed.add(1, event_type=START_OVER_EVENT, parameters={
            "reason": "restart 03", "kept": 2, "replacedSeq": 6,
            "replacedLink": record.head[1]})
        changed.add(2)
    else:
        changed = _restarted(record, kept=3, replaced=(5, "f" * 64))
    sent = submission(changed)
    if how == "edited-marked-rewound":
        assert sent.record is not None
        sent = replace(sent, record=replace(sent.record, rewound=True))
    refused = server.submit(learner["token"], sent)
    assert refused.status == 409, refused.text
    kinds = site.rows("SELECT kind FROM incidents WHERE learner_id = :l", l=learner["id"])
    assert [k[0] for k in kinds] == ["rewrite"]
    assert len(_incarnations(site, learner["id"])) == 1


def test_a_copied_account_is_refused_and_both_learners_are_told(site: Deployment) -> None:
    server = _server(site)
    owner, copier = site.seed_learner("Owner"), site.seed_learner("Copier")
    record = Record()
    record.add(4)
    assert server.submit(owner["token"], submission(record)).status == 201
    refused = server.submit(copier["token"], submission(record))
    assert refused.status == 403, refused.text
    assert "another learner" in refused.json()["error"]
    for person in (owner, copier):
        rows = site.rows("SELECT kind, account_id, detail FROM incidents WHERE learner_id = :l",
                         l=person["id"])
        assert [(r[0], r[1]) for r in rows] == [("shared-account", record.account_id)]
        assert "Copier submitted" in rows[0][2]
    assert _stored(site, copier["id"]) == 0
    again = server.submit(copier["token"], submission(record))  # told once, refused always
    assert again.status == 403
    assert len(site.rows("SELECT id FROM incidents WHERE learner_id = :l",
                         l=owner["id"])) == 1
    record.add(1)
    assert server.submit(owner["token"], submission(record, after=4)).status == 201
    left = server.request("POST", "/api/leave",
                          headers={"Authorization": f"Bearer {owner['token']}"})
    assert left.status == 204, left.text  # who left gave the account up: the same person
    assert server.submit(copier["token"], submission(record)).status == 201  # joining again


def test_times_that_run_backwards_or_ahead_are_flagged_not_refused(site: Deployment) -> None:
    server, learner = _server(site), site.seed_learner("Flags")
    now = dt.datetime.now(dt.UTC)
    record = Record()
    record.add(2, start=now - dt.timedelta(minutes=30))
    record.add(1, start=now - dt.timedelta(hours=2))  # before the event before it
    assert server.submit(learner["token"], submission(record)).status == 201
    # The account's clock moved ten days ahead: its later events are not in the future...
    skipped = Record(salt="clock")
    skipped.add(1, start=now - dt.timedelta(minutes=10))
    skipped.add(1, start=now - dt.timedelta(minutes=9), event_type=CLOCK_EVENT,
                parameters={"seconds": 10 * 86400})
    skipped.add(2, start=now + dt.timedelta(days=10))
    other = site.seed_learner("Clock")
    assert server.submit(other["token"], submission(skipped)).status == 201
    # ...but an event an hour ahead of the server's clock, with no clock skipped, is.
    ahead = Record(salt="ahead")
    ahead.add(2, start=now + dt.timedelta(hours=1))
    third = site.seed_learner("Ahead")
    assert server.submit(third["token"], submission(ahead)).status == 201

    def flags(who: dict[str, object]) -> set[str]:
        rows = site.rows("SELECT flags, flagged FROM submissions WHERE learner_id = :l",
                         l=who["id"])
        found = {f["flag"] for f in _json(rows[0][0])}
        assert bool(rows[0][1]) == bool(found - {"started-over", "self-reported"})
        return found

    assert flags(learner) == {"time-backwards"}
    assert flags(other) == set()
    assert flags(third) == {"from-the-future"}


def _json(value: object) -> list[dict[str, str]]:
    return json.loads(value) if isinstance(value, str) else value  # type: ignore[return-value]


def test_live_gradings_are_self_reported_and_quizzes_queued(site: Deployment) -> None:
    server, learner = _server(site), site.seed_learner("Live")
    live = submission(None, mode="live")
    taken = server.submit(learner["token"], live)
    assert taken.status == 201 and taken.json() == {"id": live.id, "record": None}
    quiz = submission(None, exercise="01-shared-responsibility", mode="quiz",
                      answers="[q1]\nanswer = 'b'\n")
    assert server.submit(learner["token"], quiz).status == 201
    rows = site.rows("SELECT s.mode, s.status, j.state FROM submissions s LEFT JOIN jobs j "
                     "ON j.submission_id = s.id WHERE s.learner_id = :l ORDER BY s.id",
                     l=learner["id"])
    assert [tuple(r) for r in rows] == [("live", "self-reported", None),
                                        ("quiz", "queued", "queued")]


def test_me_shows_only_ones_own_record_and_leave_revokes(site: Deployment) -> None:
    server = _server(site)
    alice, bob = site.seed_learner("Alice"), site.seed_learner("Bob")
    record = Record()
    record.add(2)
    sent = submission(record)
    assert server.submit(alice["token"], sent).status == 201
    mine = server.request("GET", "/api/me", headers={"Authorization": f"Bearer {alice['token']}"})
    assert mine.status == 200
    assert [s["id"] for s in mine.json()["submissions"]] == [sent.id]
    assert mine.json()["submissions"][0]["verdict"]["passed"] is True
    theirs = server.request("GET", "/api/me", headers={"Authorization": f"Bearer {bob['token']}"})
    assert theirs.json()["submissions"] == [] and sent.id not in theirs.text
    assert server.request("GET", "/api/me").status == 401
    assert server.request("GET", "/api/me", headers={"Authorization": "Bearer nope"}).status == 401
    left = server.request("POST", "/api/leave", headers={"Authorization": f"Bearer {bob['token']}"})
    assert left.status == 204
    record.add(1)
    after = server.submit(bob["token"], submission(Record()))
    assert after.status == 401 and set(after.json()) == {"error", "fix"}
    assert server.request("GET", "/api/me",
                          headers={"Authorization": f"Bearer {bob['token']}"}).status == 401


def test_a_token_revoked_after_it_was_used_is_refused(site: Deployment) -> None:
    """The server remembers learners it has seen (no database read per submission); a
    token revoked since, here by another process (SQL), is still refused and stores
    nothing, now and after."""
    import sqlalchemy as sa

    server, learner = _server(site), site.seed_learner("Leaving later")
    record = Record()
    record.add(2)
    assert server.submit(learner["token"], submission(record)).status == 201
    with site.engine().begin() as connection:
        connection.execute(sa.text("UPDATE learners SET revoked = :yes WHERE id = :l"),
                           {"yes": True, "l": learner["id"]})
    for _ in range(2):
        record.add(1)
        refused = server.submit(learner["token"], submission(record, after=2))
        assert refused.status == 401 and set(refused.json()) == {"error", "fix"}
    assert _stored(site, learner["id"]) == 1


def test_unsigned_badly_signed_and_replayed_submissions_are_refused(site: Deployment) -> None:
    server, learner = _server(site), site.seed_learner("Signer")
    other = site.seed_learner("Other signer")
    body = submission(Record()).encode()
    headers = {"Authorization": f"Bearer {learner['token']}"}
    unsigned = server.request("POST", "/api/submissions", body, headers)
    assert unsigned.status == 401 and "error" in unsigned.json()
    for signature in ["garbage", sign(other["token"], body), sign(learner["token"], body + b" "),
                      sign(learner["token"], body, now=time.time() - 3600)]:
        refused = server.submit(learner["token"], body, signature=signature)
        assert refused.status == 401, (signature, refused.text)
    stolen = server.submit("not-a-token", body, signature=sign("not-a-token", body))
    assert stolen.status == 401
    # Another learner's submission, signed with their own token: stored as theirs, once.
    assert _stored(site, learner["id"]) == 0 and _stored(site, other["id"]) == 0


def test_oversized_bombs_and_malformed_bodies_are_refused_and_not_stored(
        site: Deployment) -> None:
    server, learner = _server(site), site.seed_learner("Attacker")
    before = site.count("submissions"), site.count("record_slices")
    huge = b"\x1f\x8b" + b"\0" * (MAX_SENT_BYTES + 10)
    assert server.submit(learner["token"], huge).status == 413
    assert server.submit(learner["token"], gzip_bomb()).status == 413
    good = json.loads(gzip.decompress(submission(Record()).encode()))
    bad_documents = [b"not json", gzip.compress(b"[1,2,3]"),
                     json.dumps({**good, "format": 99}).encode(),
                     json.dumps({**good, "id": "'; DROP TABLE submissions; --"}).encode(),
                     json.dumps({**good, "exercise": "../../etc/passwd"}).encode(),
                     json.dumps({**good, "mode": "sandbox", "record": None}).encode()]
    chained = Record()
    chained.add(3)
    broken = json.loads(gzip.decompress(submission(chained).encode()))
    broken["record"]["events"][1]["operation"] = "DeleteUser"  # its link no longer holds
    bad_documents.append(json.dumps(broken).encode())
    for body in bad_documents:
        reply = server.submit(learner["token"], body)
        assert 400 <= reply.status < 500, (body[:80], reply.text)
        assert set(reply.json()) == {"error", "fix"}
    assert (site.count("submissions"), site.count("record_slices")) == before
    assert site.count("submissions") >= 0  # the table is still there


def test_names_that_look_like_sql_or_html_are_stored_literally(site: Deployment) -> None:
    server = _server(site)
    name = "Robert'); DROP TABLE learners;-- <b>x</b>"
    joined = server.json("POST", "/api/join", {"code": site.code, "name": name},
                         source="127.0.0.5")
    assert joined.status == 201
    assert site.rows("SELECT name FROM learners WHERE public_id = :p",
                     p=joined.json()["learner"])[0][0] == name
    assert site.count("learners") > 1


def test_submissions_are_rate_limited_per_learner(site: Deployment) -> None:
    server, learner = _server(site), site.seed_learner("Flood")
    neighbour = site.seed_learner("Neighbour")
    statuses = [server.submit(learner["token"], submission(None, mode="live")).status
                for _ in range(32)]
    assert statuses[:30] == [201] * 30 and statuses[-1] == 429
    limited = server.submit(learner["token"], submission(None, mode="live"))
    assert limited.status == 429 and 1 <= int(limited.headers["retry-after"]) <= 2
    assert server.submit(neighbour["token"], submission(None, mode="live")).status == 201


def test_errors_are_json_never_html_or_tracebacks(site: Deployment) -> None:
    server = _server(site)
    for method, path in [("GET", "/api/nothing"), ("GET", "/api/submissions"),
                         ("DELETE", "/api/join")]:
        reply = server.request(method, path)
        assert 400 <= reply.status < 500
        assert set(reply.json()) == {"error", "fix"} and "Traceback" not in reply.text


def test_the_learner_pages_are_served_by_the_server_itself(site: Deployment) -> None:
    reply = _server(site).request("GET", "/static/style.css")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/css")
    assert Path(__file__).name  # the stylesheet is the package's own file
