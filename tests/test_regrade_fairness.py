"""The re-grade queue shares the workers fairly between learners, on SQLite and PostgreSQL,
through the real queue and worker (`grader.server.jobs`, `grader.server.worker.run_once`):
a learner with many jobs queued has one served in turn with everyone else; a long
re-grade pauses between steps when another learner's job waits, goes back in the round,
and is taken up again by its own worker first; a pause is not an attempt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from grader.progress.submission import sign
from grader.server import jobs, worker
from grader.server.ingest import Ingest
from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import (
    Deployment,
    Record,
    deploy,
    server_database_fixture,  # noqa: F401
    submission,
)

pytestmark = pytest.mark.xdist_group("server")


@pytest.fixture(scope="module")
def site(server_database: str, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[Deployment]:
    deployment = deploy(tmp_path_factory.mktemp("fairness-home"), server_database)
    yield deployment
    deployment.engine().dispose()


class Outcome:
    def __init__(self, status: str) -> None:
        self.status, self.problems = status, []
        self.verdict = {"passed": True, "checks": []} if status == "regraded" else None


def _drain(site: Deployment) -> None:
    while worker.run_once(site.engine(), lambda **_: Outcome("regraded"), name="drain"):
        pass


def _submit(site: Deployment, learner: dict[str, Any], record: Record, after: int) -> int:
    body = submission(record, after=after).encode()
    row = site.rows("SELECT id, public_id, cohort_id, name FROM learners WHERE id = :i",
                    i=learner["id"])[0]
    answer = Ingest(site.engine()).take(row, learner["token"], body, sign(learner["token"], body))
    assert answer.status == 201, answer.document
    return int(site.rows("SELECT MAX(id) FROM submissions WHERE learner_id = :l",
                         l=learner["id"])[0][0])


def _learners(site: Deployment, jobs_each: dict[str, int]) -> dict[int, str]:
    """Learners who each submit so many times (in this order, all queued); the account id of
    each submission's record -> the learner's name."""
    owners: dict[int, str] = {}
    for name, count in jobs_each.items():
        learner = site.seed_learner(name)
        record = Record()
        for _ in range(count):
            record.add(2)
            owners[_submit(site, learner, record, record.head[0] - 2)] = name
    return owners


def _served(site: Deployment, owners: dict[int, str], regrade: Any,
            name: str = "w1") -> list[str]:
    """Run one worker until the queue is empty; whose job each turn was."""
    served: list[str] = []

    def turn(**kwargs: Any) -> Outcome:
        submission_id = int(site.rows(
            "SELECT id FROM submissions WHERE account IS NOT NULL AND record_seq = :s "
            "AND incarnation_id = :i", s=kwargs["events"].seq,
            i=kwargs["events"].incarnation_id)[0][0])
        served.append(owners[submission_id])
        return regrade(owners[submission_id], kwargs)  # type: ignore[no-any-return]

    while worker.run_once(site.engine(), turn, name=name):
        pass
    return served


def test_a_learner_with_many_jobs_has_them_served_in_turn_with_others(
        site: Deployment) -> None:
    _drain(site)
    owners = _learners(site, {"Many": 4, "Few": 2, "Late": 1})
    served = _served(site, owners, lambda *_: Outcome("regraded"))
    # Many submitted first; then each learner in turn, whoever was served longest ago.
    assert served == ["Many", "Few", "Late", "Many", "Few", "Many", "Many"]


def test_a_long_regrade_pauses_for_others_and_goes_on_after(site: Deployment) -> None:
    """Two heavy learners' first re-grades (three steps each) are queued before a typical
    learner's: the typical one is done after one step of each heavy one, not after both;
    the heavy ones then take turns, and each is done with one attempt."""
    _drain(site)
    owners = _learners(site, {"Heavy-1": 1, "Heavy-2": 1, "Typical": 1})
    steps = {"Heavy-1": 3, "Heavy-2": 3, "Typical": 1}
    asked: list[bool] = []

    def regrade(whose: str, kwargs: dict[str, Any]) -> Outcome:
        while True:
            steps[whose] -= 1
            if steps[whose] == 0:
                return Outcome("regraded")
            asked.append(kwargs["pause"]())
            if asked[-1]:
                return Outcome("paused")

    served = _served(site, owners, regrade)
    assert served == ["Heavy-1", "Heavy-2", "Typical", "Heavy-1", "Heavy-2", "Heavy-1",
                      "Heavy-2"]
    assert asked == [True, True, True, True]  # each step of a heavy one, someone waited
    rows = site.rows("SELECT state, attempts FROM jobs WHERE submission_id IN "
                     f"({','.join(str(i) for i in owners)})")
    assert {(r.state, r.attempts) for r in rows} == {("done", 1)}


def test_alone_a_long_regrade_does_not_pause(site: Deployment) -> None:
    _drain(site)
    owners = _learners(site, {"Alone": 1})
    steps = [3]
    asked: list[bool] = []

    def regrade(_whose: str, kwargs: dict[str, Any]) -> Outcome:
        while steps[0] > 1:
            steps[0] -= 1
            asked.append(kwargs["pause"]())
            if asked[-1]:
                return Outcome("paused")
        return Outcome("regraded")

    assert _served(site, owners, regrade) == ["Alone"]
    assert asked == [False, False]


def test_a_paused_job_is_its_workers_until_its_affinity_runs_out(site: Deployment) -> None:
    _drain(site)
    owners = _learners(site, {"Paused": 1})
    job = jobs.claim(site.engine(), "w1")
    assert job is not None and job.submission_id in owners
    now = dt.datetime.now(dt.UTC)
    with site.engine().begin() as connection:
        jobs.pause(connection, job.id, now)
    assert jobs.claim(site.engine(), "w2", now=now) is None  # w1 holds its account
    again = jobs.claim(site.engine(), "w1", now=now)
    assert again is not None and (again.id, again.attempts) == (job.id, 1)
    with site.engine().begin() as connection:
        jobs.pause(connection, job.id, now)
    later = now + jobs.AFFINITY + dt.timedelta(seconds=1)
    taken = jobs.claim(site.engine(), "w2", now=later)  # w1 is gone: anyone's
    assert taken is not None and taken.id == job.id
    with site.engine().begin() as connection:
        jobs.finish(connection, job.id, later)


def test_among_learners_never_served_the_shortest_record_goes_first(site: Deployment) -> None:
    """A learner's first re-grade rebuilds their whole record: among learners not served
    yet, the one with the shortest record is the quickest turn, and goes first; once
    served, a learner waits for everyone served before them, however short their record."""
    _drain(site)
    owners: dict[int, str] = {}
    for name, events in [("Long-1", 40), ("Long-2", 30), ("Short", 2)]:
        learner = site.seed_learner(name)
        record = Record()
        record.add(events)
        owners[_submit(site, learner, record, 0)] = name
    served = _served(site, owners, lambda *_: Outcome("regraded"))
    assert served == ["Short", "Long-2", "Long-1"]
