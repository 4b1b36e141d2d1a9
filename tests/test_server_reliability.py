"""The real server under load and under SIGKILL, on SQLite and PostgreSQL: 100 learners
submitting at once lose nothing; the serving process killed mid-ingest comes back by
itself (uvicorn's supervisor), and every submission it acknowledged (2xx) is stored; a
learner back from a day offline gets their queue through (429 with Retry-After, then
taken)."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import (
    Deployment,
    Record,
    deploy,
    server_database_fixture,  # noqa: F401
    submission,
    wait_for,
)
from tests.server_harness import Server as RunningServer

# The server tests share one worker (scripts/test: --dist loadgroup), so that each module's
# servers and the PostgreSQL cluster start once, not once per worker.
pytestmark = pytest.mark.xdist_group("server")


LEARNERS = 100
ROUNDS = 2


@pytest.fixture(scope="module")
def site(server_database: str, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("reliability-home")
    deployment = deploy(home, server_database)
    deployment.server = RunningServer(home, server_database, "--no-regrade", "--workers", "2")
    yield deployment
    deployment.server.stop()


def _server(site: Deployment) -> RunningServer:
    assert site.server is not None
    return site.server


def test_a_hundred_learners_at_once_lose_nothing(site: Deployment) -> None:
    server = _server(site)
    people = [site.seed_learner(f"Learner {n}") for n in range(LEARNERS)]

    def learner(person: dict[str, Any]) -> list[str]:
        record, sent, after = Record(salt=person["learner"]), [], 0
        for _ in range(ROUNDS):  # bounded: a few gradings each
            record.add(5)
            sub = submission(record, after=after)
            reply = server.submit_patiently(person["token"], sub, tries=20)
            assert reply.status == 201, reply.text
            after = reply.json()["record"]["seq"]
            sent.append(sub.id)
        return sent

    with ThreadPoolExecutor(max_workers=LEARNERS) as pool:
        sent = [i for ids in pool.map(learner, people) for i in ids]
    ids = {p["id"] for p in people}
    stored = [r for r in site.rows("SELECT public_id, learner_id FROM submissions")
              if r[1] in ids]
    assert sorted(r[0] for r in stored) == sorted(sent)
    heads = site.rows("SELECT head_seq FROM incarnations WHERE learner_id IN "
                      f"({','.join(str(i) for i in ids)})")
    assert [h[0] for h in heads] == [5 * ROUNDS] * LEARNERS


def test_sigkill_mid_ingest_loses_no_acknowledged_submission(site: Deployment) -> None:
    server = _server(site)
    people = [site.seed_learner(f"Killed {n}") for n in range(8)]
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def learner(person: dict[str, Any]) -> None:
        record, after = Record(salt=person["learner"]), 0
        record.add(20)
        while not stop.is_set():
            sub = submission(record, after=after)
            try:
                reply = server.submit(person["token"], sub)
            except OSError:  # the connection died with the process: not acknowledged
                continue
            if reply.status in (200, 201):
                with lock:
                    acknowledged.append(sub.id)
                after = reply.json()["record"]["seq"]
                record.add(2)
            elif reply.status == 429:
                stop.wait(0.2)

    threads = [threading.Thread(target=learner, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(acknowledged) >= 10, timeout=30)
        for _ in range(2):  # kill a serving process twice, mid-ingest
            victim = server.pid()
            os.kill(victim, signal.SIGKILL)
            wait_for(lambda v=victim: _serving_without(server, v), timeout=180)
            count = len(acknowledged)
            wait_for(lambda c=count: len(acknowledged) >= c + 5, timeout=30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    ids = {p["id"] for p in people}
    stored = {r[0] for r in site.rows("SELECT public_id, learner_id FROM submissions")
              if r[1] in ids}
    assert set(acknowledged) <= stored
    assert len(acknowledged) >= 20


def _serving_without(server: RunningServer, victim: int) -> bool:
    """The server answers again, from a process other than `victim`."""
    try:
        return server.pid() != victim
    except (OSError, ValueError, KeyError):
        return False


def test_a_day_offline_gets_through(site: Deployment) -> None:
    """A day's queue (40 gradings) sent in a row, as `grade submit` sends it: whatever is
    refused for its rate (429) is sent again after Retry-After, and all of it is taken."""
    server = _server(site)
    person = site.seed_learner("Offline")
    record, after = Record(salt="offline"), 0
    queue = []
    for _ in range(40):
        record.add(1)
        queue.append(submission(record, after=0))
    for sub in queue:
        reply = server.submit_patiently(person["token"], sub, tries=5)
        assert reply.status == 201, reply.text
        after = reply.json()["record"]["seq"]
    assert after == 40
    assert site.rows("SELECT COUNT(*) FROM submissions WHERE learner_id = :l",
                     l=person["id"])[0][0] == 40
