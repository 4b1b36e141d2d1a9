"""The dashboard in headless Chromium (SQLite): an instructor signs in, creates a cohort,
opens the grid, a learner's page and an exercise's page, and searches, without any
JavaScript of the server's; a learner signs in with their token; no request leaves
127.0.0.1, no console error, and axe-core finds no serious or critical violation."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from grader.server import progress, standing, worker
from grader.server.database import writing
from tests.server_harness import PASSWORD, Deployment, Record, deploy, submission, verdict
from tests.server_harness import Server as RunningServer
from tests.test_site_browser import Visit

# The server tests share one worker (scripts/test: --dist loadgroup), so that each module's
# servers and the PostgreSQL cluster start once, not once per worker.
pytestmark = pytest.mark.xdist_group("server")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("browser-home")
    deployment = deploy(home, f"sqlite:///{home}/server.sqlite")
    deployment.server = RunningServer(home, deployment.url, "--no-regrade")
    for name, passed in [("Ada", True), ("Zed", False)]:
        person = deployment.seed_learner(name)
        record = Record(salt=name)
        record.add(2)
        assert deployment.server.submit(person["token"],
                                        submission(record, passed=passed)).status == 201
        deployment.people = {**getattr(deployment, "people", {}), name: person}  # type: ignore[attr-defined]
    # Every state a cell can be in, in a cohort that accepts live gradings: Ada's 03 is a
    # verified pass, Zed's 03 fails, Bea's quiz is self-reported (answers unreadable),
    # Zed's live 04 counts (self-reported (live)), Zed's 05 waits for its re-grade.
    bea = deployment.seed_learner("Bea")
    assert deployment.server.submit(bea["token"], submission(
        None, exercise="01-shared-responsibility", mode="quiz", answers="[[[")).status == 201

    def regrade(**sent: Any) -> SimpleNamespace:
        if sent["mode"] == "quiz":
            return SimpleNamespace(status="unreplayable", verdict=None, problems=["no"],
                                   why=standing.UNREADABLE_ANSWERS)
        passed = "Ada" in sent["events"][0].value("parameters")  # Record(salt="Ada")
        return SimpleNamespace(status="regraded", problems=[], verdict=verdict(passed=passed))

    while worker.run_once(deployment.engine(), regrade):
        pass
    zed = deployment.people["Zed"]["token"]  # type: ignore[attr-defined]
    for later in [submission(None, exercise="04-mfa", mode="live"),
                  submission(Record(salt="later"), exercise="05-cloudtrail")]:
        assert deployment.server.submit(zed, later).status == 201
    with writing(deployment.engine()) as connection:
        progress.set_accept_live(connection, deployment.cohort_id, True)
    yield deployment
    deployment.server.stop()


def _serious(axe: Any, visit: Visit, where: str) -> list[str]:
    found = []
    for violation in axe.run(visit.page).response["violations"]:
        if violation["impact"] in {"serious", "critical"}:
            found.append(f"{where}: {violation['id']} "
                         f"{[n['target'] for n in violation['nodes'][:3]]}")
    return found


def test_the_dashboard_in_a_browser(site: Deployment, browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    assert site.server is not None
    base = site.server.base
    visit, axe, found = Visit(browser), Axe(), []
    page = visit.page
    page.goto(base + "/")
    found += _serious(axe, visit, "sign-in")
    page.fill("#email", site.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_url("**/cohorts")
    found += _serious(axe, visit, "cohorts")
    page.fill("#name", "Browser cohort")
    page.click("button:has-text('Create the cohort')")
    page.wait_for_url("**/cohorts/*?created=1")
    assert "Cohort created" in page.inner_text("main")
    page.goto(f"{base}/cohorts/{site.cohort_id}")
    found += _serious(axe, visit, "grid")
    grid = page.inner_text("table")
    for words in ["✓ self-reported (live)", "? self-reported (unreadable answers), not counted",
                  "… re-grade pending", "✓", "✗"]:
        assert words in grid, words
    page.fill("#q", "ad")
    page.click("button:has-text('Show')")
    page.wait_for_url("**q=ad**")
    assert "Ada" in page.inner_text("table") and "Zed" not in page.inner_text("table")
    page.click("table a:has-text('Ada')")
    page.wait_for_url("**/learners/*")
    found += _serious(axe, visit, "learner")
    page.goto(f"{base}/cohorts/{site.cohort_id}/exercises/03-stop-using-root")
    found += _serious(axe, visit, "exercise")
    assert "The check root-not-used" in page.inner_text("main")
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/login")
    page.goto(base + "/learner")
    found += _serious(axe, visit, "learner sign-in")
    page.fill("#token", site.people["Zed"]["token"])  # type: ignore[attr-defined]
    page.click("button:has-text('See my record')")
    page.wait_for_url("**/me")
    assert "Zed" in page.inner_text("h1")
    assert site.people["Zed"]["token"] not in page.url  # type: ignore[attr-defined]
    found += _serious(axe, visit, "own record")
    visit.close()
    assert found == []
