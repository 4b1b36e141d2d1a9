"""The re-grade queue and worker, in this process, on SQLite and PostgreSQL: jobs are
claimed once (SKIP LOCKED), re-claimed after a dead worker's lease, failed after too many
deaths; a re-grade that raises fails its job with the error's text and the worker goes
on; the server's verdict is stored beside the learner's and a difference flagged; and
the real re-grade (`grader.server.regrade`) flags a forged "passed" and reports a record
that does not replay instead of crashing."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
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

# The server tests share one worker (scripts/test: --dist loadgroup), so that each module's
# servers and the PostgreSQL cluster start once, not once per worker.
pytestmark = pytest.mark.xdist_group("server")


@pytest.fixture(scope="module")
def site(server_database: str, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[Deployment]:
    deployment = deploy(tmp_path_factory.mktemp("worker-home"), server_database)
    yield deployment
    deployment.engine().dispose()


class Outcome:
    def __init__(self, status: str, verdict: dict[str, Any] | None,
                 problems: list[str] | None = None) -> None:
        self.status, self.verdict, self.problems = status, verdict, problems or []


def _drain(site: Deployment) -> None:
    """Finish whatever other tests left queued (each test starts with an empty queue)."""
    while worker.run_once(site.engine(), lambda **_: Outcome("regraded", None)):
        pass


def _ingest(site: Deployment, learner: dict[str, Any], sub: Any) -> int:
    body = sub.encode()
    answer = Ingest(site.engine()).take(_learner_row(site, learner), learner["token"], body,
                                        sign(learner["token"], body))
    assert answer.status == 201, answer.document
    return int(site.rows("SELECT id FROM submissions WHERE public_id = :p",
                         p=sub.id)[0][0])


def _learner_row(site: Deployment, learner: dict[str, Any]) -> Any:
    return site.rows("SELECT id, public_id, cohort_id, name FROM learners WHERE id = :i",
                     i=learner["id"])[0]


def _submission(site: Deployment, submission_id: int) -> Any:
    return site.rows("SELECT status, server_passed, mismatch, problems, server_verdict "
                     "FROM submissions WHERE id = :i", i=submission_id)[0]


def test_the_servers_verdict_is_stored_and_a_difference_flagged(site: Deployment) -> None:
    _drain(site)
    learner = site.seed_learner("Checked")
    record = Record()
    record.add(4)
    honest = _ingest(site, learner, submission(record))
    record.add(1)
    forged = _ingest(site, learner, submission(record, after=4))
    seen: list[dict[str, Any]] = []

    def regrade(**kwargs: Any) -> Outcome:
        seen.append(kwargs)
        passed = len(kwargs["events"]) == 4  # the second submission's record "fails"
        return Outcome("regraded", {"exercise": kwargs["exercise"], "passed": passed,
                                    "checks": [{"id": "admin-user-exists", "passed": True},
                                               {"id": "root-not-used", "passed": passed}]})

    assert worker.run_once(site.engine(), regrade) and worker.run_once(site.engine(), regrade)
    assert not worker.run_once(site.engine(), regrade)  # the queue is empty
    assert [len(k["events"]) for k in seen] == [4, 5]  # the whole record up to each grading
    assert [e.seq for e in seen[1]["events"]] == [1, 2, 3, 4, 5]
    assert seen[1]["events"][-1].chain == record.head[1]
    assert seen[0]["account"]["accountId"] == record.account_id
    first, second = _submission(site, honest), _submission(site, forged)
    assert (first.status, bool(first.server_passed), bool(first.mismatch)) == \
        ("regraded", True, False)
    assert (second.status, bool(second.server_passed), bool(second.mismatch)) == \
        ("regraded", False, True)
    cell = site.rows("SELECT passed, mismatches, pending FROM progress WHERE learner_id = :l",
                     l=learner["id"])[0]
    assert (bool(cell.passed), cell.mismatches, cell.pending) == (True, 1, 0)


def test_a_regrade_that_raises_fails_its_job_and_the_worker_goes_on(site: Deployment) -> None:
    _drain(site)
    learner = site.seed_learner("Crashing")
    first = _ingest(site, learner, submission(Record(salt="a")))
    second = _ingest(site, learner, submission(Record(salt="b")))

    def regrade(**kwargs: Any) -> Outcome:
        if kwargs["account"] and not second_done:
            raise RuntimeError("moto fell over")
        return Outcome("regraded", {"exercise": kwargs["exercise"], "passed": True,
                                    "checks": []})

    second_done = False
    assert worker.run_once(site.engine(), regrade)
    second_done = True
    assert worker.run_once(site.engine(), regrade)
    failed = _submission(site, first)
    assert failed.status == "failed" and "RuntimeError: moto fell over" in json.dumps(
        failed.problems if not isinstance(failed.problems, str) else json.loads(failed.problems))
    assert site.rows("SELECT state, error FROM jobs WHERE submission_id = :s",
                     s=first)[0][0] == "failed"
    assert _submission(site, second).status == "regraded"


def test_jobs_are_claimed_once_and_a_dead_workers_lease_runs_out(site: Deployment) -> None:
    _drain(site)
    learner = site.seed_learner("Queue")
    ids = [_ingest(site, learner, submission(None, mode="quiz",
                                             exercise="01-shared-responsibility"))
           for _ in range(6)]
    claimed: list[int] = []
    lock = threading.Lock()

    def claim_all() -> None:
        while (job := jobs.claim(site.engine(), threading.current_thread().name)) is not None:
            with lock:
                claimed.append(job.submission_id)

    threads = [threading.Thread(target=claim_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == sorted(ids)  # each job once, none twice
    later = dt.datetime.now(dt.UTC) + jobs.LEASE + dt.timedelta(seconds=1)
    again = jobs.claim(site.engine(), "survivor", now=later)
    assert again is not None and again.attempts == 2  # its worker "died": claimed again
    for attempt in range(jobs.MAX_ATTEMPTS):
        later += jobs.LEASE + dt.timedelta(seconds=1)
        jobs.claim(site.engine(), f"doomed-{attempt}", now=later)
    with site.engine().begin() as connection:
        given_up = jobs.abandoned(connection, later + jobs.LEASE + dt.timedelta(seconds=1))
    assert given_up  # jobs whose workers died MAX_ATTEMPTS times are failed
    _drain(site)


def test_the_real_regrade_flags_a_forged_pass(site: Deployment) -> None:
    """A learner claims 03 passed; their record (made here, not by a real account) does
    not replay into an account that passes: the server's verdict differs, and says why."""
    if not site.url.startswith("sqlite"):
        pytest.skip("the re-grade itself does not depend on the database (once is enough)")
    _drain(site)
    learner = site.seed_learner("Forger")
    record = Record()
    record.add(3)
    forged = _ingest(site, learner, submission(record, passed=True))
    assert worker.run_once(site.engine())  # grader.server.regrade.regrade, the real one
    row = _submission(site, forged)
    assert row.status in ("regraded", "unreplayable"), row
    if row.status == "regraded":
        assert not row.server_passed and row.mismatch
    assert row.problems  # what did not replay as recorded
    cell = site.rows("SELECT passed, mismatches FROM progress WHERE learner_id = :l",
                     l=learner["id"])[0]
    assert not (cell.passed and not cell.mismatches)
    assert Path(__file__).exists()


def test_worker_processes_share_the_queue_on_postgresql(
        site: Deployment, tmp_path: Path) -> None:
    """`grade-server worker`, twice, as separate processes (as on several machines): every
    job is done once, and both take jobs."""
    import subprocess

    from tests.conftest import BIN
    from tests.server_harness import server_env, wait_for

    if not site.url.startswith("postgresql"):
        pytest.skip("SQLite runs one in-process worker")
    _drain(site)
    logs = [tmp_path / f"worker-{n}.log" for n in range(2)]
    workers = []
    for log in logs:
        with log.open("w") as out:
            workers.append(subprocess.Popen([str(BIN / "grade-server"), "worker"],
                                            env=server_env(tmp_path, site.url),
                                            stdout=out, stderr=subprocess.STDOUT))
    try:
        wait_for(lambda: all("ready" in log.read_text() for log in logs), timeout=240,
                 every=0.1)  # both warmed up: the jobs below are theirs to share
        learner = site.seed_learner("Busy")
        record = Record(salt="busy")
        queued = []
        for _ in range(12):
            record.add(2)
            queued.append(_ingest(site, learner, submission(record, after=record.head[0] - 2)))

        def all_done() -> list[Any] | None:
            rows = [site.rows("SELECT state, worker, attempts FROM jobs "
                              "WHERE submission_id = :i", i=i)[0] for i in queued]
            return rows if all(r.state in ("done", "failed") for r in rows) else None

        rows = wait_for(all_done, timeout=120, every=0.2)
    finally:
        for process in workers:
            process.terminate()
            process.wait(timeout=30)
    assert all(r.attempts == 1 for r in rows), rows
    pids = {str(r.worker).split(":")[1] for r in rows}
    assert pids == {str(p.pid) for p in workers}, [log.read_text()[-2000:] for log in logs]
