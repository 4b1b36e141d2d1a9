"""Saying that re-grades wait with nobody to do them (#22.9), through a real `grade-server`
on SQLite and PostgreSQL: with jobs waiting and no worker seen lately, the dashboard and
the server's log both say so; workers (the in-process thread, `grade-server worker`)
write heartbeats; a recent heartbeat or a young job is no news."""

from __future__ import annotations

import datetime as dt
import re
import signal
import subprocess
from collections.abc import Iterator

import pytest

from grader.server import heartbeats
from grader.server.database import reading, writing
from grader.server.schema import jobs, workers
from tests.conftest import BIN
from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import (
    Browser,
    Deployment,
    Record,
    deploy,
    server_database_fixture,  # noqa: F401
    server_env,
    submission,
    wait_for,
)
from tests.server_harness import Server as RunningServer

pytestmark = pytest.mark.xdist_group("server")


@pytest.fixture(scope="module")
def site(server_database: str, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[Deployment]:
    """A deployment with one submission whose re-grade has waited 10 minutes, and a worker
    last seen 3 hours ago; then a web-only server (`serve --no-regrade`) started on it."""
    home = tmp_path_factory.mktemp("heartbeat-home")
    deployment = deploy(home, server_database)
    now = deployment.now = dt.datetime.now(dt.UTC)  # type: ignore[attr-defined]
    first = RunningServer(home, server_database, "--no-regrade")
    learner = deployment.seed_learner("Waiting")
    record = Record()
    record.add(2)
    assert first.submit(learner["token"], submission(record)).status == 201
    first.stop()
    with writing(deployment.engine()) as connection:
        connection.execute(jobs.update().values(created_at=now - dt.timedelta(minutes=10)))
        heartbeats.beat(connection, "gone-worker", now - dt.timedelta(hours=3))
    deployment.server = RunningServer(home, server_database, "--no-regrade")
    yield deployment
    deployment.server.stop()


def _server(site: Deployment) -> RunningServer:
    assert site.server is not None
    return site.server


# The minutes since the job was queued: 10 when the server starts, a little more later.
SAID = re.compile(r"1 re-grade waiting \(the oldest for 1[0-2] minutes\); "
                  r"no worker has been seen for 3 hours")


def test_the_log_says_that_regrades_wait_with_no_worker(site: Deployment) -> None:
    log = _server(site).log
    line = wait_for(lambda: SAID.search(log.read_text()))
    assert "grade-server worker" in log.read_text()[line.start():].splitlines()[0]
    assert "Traceback" not in log.read_text()


def test_the_dashboard_says_it_too(site: Deployment) -> None:
    teacher = Browser(_server(site))
    assert teacher.login(site.email).status == 303
    for path in ("/cohorts", f"/cohorts/{site.cohort_id}"):
        page = teacher.request("GET", path)
        assert page.status == 200 and SAID.search(page.text), path
        assert 'role="alert"' in page.text
    learner_view = Browser(_server(site)).request("GET", "/login")
    assert not SAID.search(learner_view.text)  # instructors' business only


def test_a_recent_heartbeat_or_a_young_job_is_no_news(site: Deployment) -> None:
    engine, now = site.engine(), site.now  # type: ignore[attr-defined]
    with reading(engine) as connection:
        problem = heartbeats.stalled(connection, now)
        assert problem is not None and problem.waiting == 1
        assert heartbeats.stalled(connection, now - dt.timedelta(minutes=9, seconds=30)) is None
    with writing(engine) as connection:
        heartbeats.beat(connection, "test-worker", now - dt.timedelta(seconds=30))
    with reading(engine) as connection:
        assert heartbeats.stalled(connection, now) is None
        later = heartbeats.stalled(connection, now + dt.timedelta(minutes=5))
    assert later is not None and "no worker has been seen for 5 minutes" in str(later)
    with writing(engine) as connection:  # as it was, for whichever test runs next
        connection.execute(workers.delete().where(
            workers.c.name == "test-worker"))


def test_regrading_processes_write_heartbeats(site: Deployment,
                                              tmp_path_factory: pytest.TempPathFactory,
                                              ) -> None:
    """Last of the module: its worker takes the waiting job."""
    seen_before = _latest_heartbeat(site)
    home = tmp_path_factory.mktemp("heartbeat-worker")
    if site.url.startswith("sqlite"):
        regrading = RunningServer(home, site.url)  # re-grades in its own process
        try:
            wait_for(lambda: _latest_heartbeat(site) > seen_before, timeout=120)
        finally:
            regrading.stop()
        return
    with (home / "worker.log").open("ab") as out:
        worker = subprocess.Popen([str(BIN / "grade-server"), "worker"],
                                  env=server_env(home, site.url), stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: _latest_heartbeat(site) > seen_before, timeout=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)


def _latest_heartbeat(site: Deployment) -> dt.datetime:
    with reading(site.engine()) as connection:
        rows = connection.execute(workers.select()).all()
    return max((r.seen_at for r in rows), default=dt.datetime.min.replace(tzinfo=dt.UTC))
