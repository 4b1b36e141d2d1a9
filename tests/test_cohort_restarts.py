"""`grade restart` in a cohort, end to end on both databases: the real `grade` (the
course's own advice for 03's most common mistake), the real server, its re-grade. The
restart is a branch of the learner's record that the server takes, shows and re-grades;
nothing waits behind it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import BIN, EXERCISES, Course
from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import (
    Deployment,
    Server,
    deploy,
    server_database_fixture,
    server_env,
    wait_for,
)

pytestmark = pytest.mark.xdist_group("server")
BROKEN = EXERCISES / "03-stop-using-root" / "broken"
SOLVED = EXERCISES / "03-stop-using-root" / "solution" / "solution_boto3.py"
_ = server_database_fixture


@pytest.fixture(scope="module")
def site(server_database: str, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("restart-server")
    deployment = deploy(home, server_database)
    deployment.server = Server(home, server_database)
    worker = None
    if not server_database.startswith("sqlite"):  # PostgreSQL: re-grades in workers
        with (home / "worker.log").open("w") as log:
            worker = subprocess.Popen([str(BIN / "grade-server"), "worker"],
                                      env=server_env(home, server_database), stdout=log,
                                      stderr=subprocess.STDOUT)
    yield deployment
    if worker is not None:
        worker.terminate()
        worker.wait(timeout=30)
    deployment.server.stop()


def regraded(site: Deployment, count: int) -> list[Any]:
    def done() -> list[Any] | None:
        rows = site.rows("SELECT exercise, status, learner_passed, server_passed, mismatch, "
                         "flags FROM submissions ORDER BY id")
        return rows if len(rows) >= count and all(r.status != "queued" for r in rows) \
            else None

    return list(wait_for(done, timeout=240, every=0.2))


def test_a_restart_is_taken_shown_and_regraded(fresh: Course, site: Deployment) -> None:
    assert site.server is not None
    assert fresh.grade("join", site.server.base, site.code, "--name", "Ada").returncode == 0
    done = fresh.run([sys.executable, str(BROKEN / "root_used_afterwards.py")], cwd=BROKEN)
    assert done.returncode == 0, done.stderr
    assert fresh.grade("03", "--json").returncode == 1
    [first] = regraded(site, 1)
    assert not first.server_passed and not first.mismatch

    assert fresh.grade("restart", "03", "--yes").returncode == 0
    assert fresh.run([sys.executable, str(SOLVED)]).returncode == 0
    passed = fresh.grade("03", "--json")
    assert passed.returncode == 0, passed.stdout
    sent = fresh.grade("submit", "--json")
    assert sent.returncode == 0, sent.stdout + sent.stderr  # nothing waits, nothing refused
    assert json.loads(sent.stdout)["waiting"] == 0
    assert not list((fresh.home / "outbox").rglob("*.json.gz"))

    second = regraded(site, 2)[1]
    assert second.learner_passed and second.server_passed and not second.mismatch
    flags = json.dumps(second.flags)
    assert "restarted" in flags and "restart 03" in flags
    branches = site.rows("SELECT parent_id, start_reason FROM incarnations ORDER BY id")
    assert [b.start_reason for b in branches] == [None, "restart 03"]
    assert branches[1].parent_id is not None
    assert site.rows("SELECT id FROM incidents") == []
    assert fresh.grade("leave").returncode == 0
