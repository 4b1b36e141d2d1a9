"""The instructors' dashboard over raw HTTP, on SQLite and PostgreSQL: sign-in (argon2,
rate-limited), CSRF on every POST form, only one's own cohorts, the grid (search, sort,
pages, marks that are words and symbols, not colour), the learner and exercise pages,
the CSV export (no spreadsheet formulas) and Gradescope's results.json; a learner signs in
with their token and sees their own record only."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from grader.server import auth, worker
from grader.server.database import writing
from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import (
    PASSWORD,
    Browser,
    Deployment,
    Record,
    deploy,
    server_database_fixture,  # noqa: F401
    submission,
    verdict,
)
from tests.server_harness import Server as RunningServer

# The server tests share one worker (scripts/test: --dist loadgroup), so that each module's
# servers and the PostgreSQL cluster start once, not once per worker.
pytestmark = pytest.mark.xdist_group("server")


@pytest.fixture(scope="module")
def site(server_database: str, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("dashboard-home")
    deployment = deploy(home, server_database)
    with writing(deployment.engine()) as connection:
        auth.create_instructor(connection, "other@example.com", PASSWORD)
    deployment.server = RunningServer(home, server_database, "--no-regrade")
    server = deployment.server
    # Learners and their attempts, through the API (what the grid shows comes from it).
    people = {}
    for name in ["Ada", "=HYPERLINK(\"http://evil\")", "<script>alert(1)</script>", "Zed"]:
        people[name] = deployment.seed_learner(name)
    record = Record()
    record.add(3)
    assert server.submit(people["Ada"]["token"], submission(record)).status == 201
    failing = submission(Record(salt="z"), passed=False,
                         checks={"admin-user-exists": True, "root-not-used": False})
    assert server.submit(people["Zed"]["token"], failing).status == 201
    # The server's re-grades (a stand-in that agrees with the learners: the real one is
    # tests/test_server_worker.py's), then a live pass and a re-grade left pending.
    def regrade(**sent: object) -> SimpleNamespace:
        passed = bool(sent["events"])  # Ada's record has events, Zed's none
        return SimpleNamespace(status="regraded", problems=[], verdict=verdict(
            passed=passed, checks={"admin-user-exists": True, "root-not-used": passed}))

    while worker.run_once(deployment.engine(), regrade):
        pass
    assert server.submit(people["Zed"]["token"],
                         submission(None, exercise="04-mfa", mode="live")).status == 201
    assert server.submit(people["Ada"]["token"],
                         submission(None, exercise="01-shared-responsibility", mode="quiz",
                                    answers="")).status == 201
    deployment.people = people  # type: ignore[attr-defined]
    yield deployment
    server.stop()


@pytest.fixture(scope="module")
def teacher(site: Deployment) -> Browser:
    assert site.server is not None
    browser = Browser(site.server)
    assert browser.login(site.email).status == 303
    return browser


def _server(site: Deployment) -> RunningServer:
    assert site.server is not None
    return site.server


def test_sign_in_sets_a_safe_cookie_and_wrong_passwords_fail(site: Deployment) -> None:
    browser = Browser(_server(site))
    wrong = browser.login(site.email, "not the password")
    assert wrong.status == 401 and "do not match" in wrong.text
    right = browser.login(site.email)
    assert right.status == 303 and right.headers["location"] == "/cohorts"
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # served over plain http here (Secure over https)
    assert browser.request("GET", "/cohorts").status == 200
    assert Browser(_server(site)).request("GET", "/cohorts").status == 303  # not signed in


def test_every_post_needs_the_sessions_csrf_token(site: Deployment, teacher: Browser) -> None:
    for path, form in [("/cohorts", {"name": "Sneaky"}), ("/logout", {}),
                       ("/login", {"email": site.email, "password": PASSWORD}),
                       ("/learner", {"token": "x"})]:
        missing = teacher.request("POST", path, form)
        assert missing.status == 403, (path, missing.status)
        wrong = teacher.request("POST", path, {**form, "csrf": "forged"})
        assert wrong.status == 403, (path, wrong.status)
    assert "Sneaky" not in teacher.request("GET", "/cohorts").text
    token = teacher.csrf("/cohorts")
    made = teacher.request("POST", "/cohorts", {"name": "Autumn", "csrf": token})
    assert made.status == 303
    page = teacher.request("GET", made.headers["location"])
    assert page.status == 200 and "Cohort created" in page.text
    code = re.search(r"grade join URL ([A-Z0-9-]+)", page.text)
    assert code and _server(site).json("POST", "/api/join", {"code": code.group(1),
                                                            "name": "New"},
                                       source="127.0.0.9").status == 201


def test_an_instructor_sees_only_their_own_cohorts(site: Deployment) -> None:
    other = Browser(_server(site))
    assert other.login("other@example.com").status == 303
    assert "Cohort A" not in other.request("GET", "/cohorts").text
    ada = site.people["Ada"]["learner"]  # type: ignore[attr-defined]
    for path in [f"/cohorts/{site.cohort_id}", f"/cohorts/{site.cohort_id}/grid.csv",
                 f"/cohorts/{site.cohort_id}/learners/{ada}",
                 f"/cohorts/{site.cohort_id}/learners/{ada}/results.json",
                 f"/cohorts/{site.cohort_id}/exercises/03-stop-using-root"]:
        reply = other.request("GET", path)
        assert reply.status == 404, path
        assert "Ada" not in reply.text


def test_the_grid_marks_with_words_searches_sorts_and_pages(site: Deployment,
                                                            teacher: Browser) -> None:
    page = teacher.request("GET", f"/cohorts/{site.cohort_id}")
    assert page.status == 200
    text = page.text
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    assert "✓" in text and "passed" in text and "✗" in text and "failing" in text
    assert "not started" in text and '<td class="pending">' in text
    assert "… re-grade pending</span>" in text  # Ada's quiz, waiting: not counted yet
    assert '<td class="self-reported">' in text  # Zed's live pass, not counted
    assert "? self-reported (live), not counted</span>" in text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    found = teacher.request("GET", f"/cohorts/{site.cohort_id}?q=ad")
    assert "Ada" in found.text and "Zed" not in found.text
    wildcard = teacher.request("GET", f"/cohorts/{site.cohort_id}?q=%25")
    assert "Ada" not in wildcard.text  # % is a character, not a wildcard
    by_progress = teacher.request("GET", f"/cohorts/{site.cohort_id}?sort=progress").text
    assert by_progress.index(">Ada<") < by_progress.index(">Zed<")
    by_name = teacher.request("GET", f"/cohorts/{site.cohort_id}?sort=name&page=99").text
    assert "Page 1 of 1" in by_name
    assert by_name.index("&lt;script") < by_name.index(">Ada<") < by_name.index(">Zed<")


def test_learner_and_exercise_pages(site: Deployment, teacher: Browser) -> None:
    zed = site.people["Zed"]["learner"]  # type: ignore[attr-defined]
    page = teacher.request("GET", f"/cohorts/{site.cohort_id}/learners/{zed}")
    assert page.status == 200
    assert "root-not-used does not hold" in page.text  # the message the learner saw
    assert "self-reported" in page.text and "04-mfa" in page.text
    exercise = teacher.request("GET", f"/cohorts/{site.cohort_id}/exercises/03-stop-using-root")
    assert exercise.status == 200
    assert re.search(r"The check root-not-used.*?<td>1</td><td>1</td>", exercise.text, re.S)
    assert teacher.request("GET", f"/cohorts/{site.cohort_id}/exercises/99-nope").status == 404


def test_the_csv_export_has_no_formulas(site: Deployment, teacher: Browser) -> None:
    reply = teacher.request("GET", f"/cohorts/{site.cohort_id}/grid.csv")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(reply.text)))
    assert rows[0][:4] == ["learner", "name", "passed", "last activity"]
    names = {row[1] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://evil\")" in names and "Ada" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    ada = next(row for row in rows if row[1] == "Ada")
    column = rows[0].index("03-stop-using-root status")
    assert ada[column] == "passed" and ada[column + 1] == "1"


def test_gradescope_results_json(site: Deployment, teacher: Browser) -> None:
    ada = site.people["Ada"]["learner"]  # type: ignore[attr-defined]
    reply = teacher.request("GET", f"/cohorts/{site.cohort_id}/learners/{ada}/results.json")
    assert reply.status == 200
    document = reply.json()
    assert document["score"] == 1.0 and len(document["tests"]) >= 8
    test = next(t for t in document["tests"] if t["name"].startswith("03-stop-using-root"))
    assert test["score"] == 1.0 and test["max_score"] == 1.0 and test["status"] == "passed"
    assert {"name", "score", "max_score", "status", "output"} <= set(test)


def test_a_learner_sees_their_own_record_and_nobody_elses(site: Deployment) -> None:
    people = site.people  # type: ignore[attr-defined]
    learner = Browser(_server(site))
    token = learner.csrf("/learner")
    wrong = learner.request("POST", "/learner", {"csrf": token, "token": "not a token"})
    assert wrong.status == 401
    signed = learner.request("POST", "/learner", {"csrf": token, "token": people["Zed"]["token"]})
    assert signed.status == 303 and people["Zed"]["token"] not in signed.headers["location"]
    mine = learner.request("GET", "/me")
    # Names as words: a page's random CSRF token once held "...dAdam8..." (a flaky failure).
    assert mine.status == 200 and re.search(r"\bZed\b", mine.text)
    assert not re.search(r"\bAda\b", mine.text)
    for path in [f"/cohorts/{site.cohort_id}",
                 f"/cohorts/{site.cohort_id}/learners/{people['Ada']['learner']}"]:
        assert learner.request("GET", path).status == 303  # to the instructors' sign-in


def test_sign_ins_are_rate_limited(site: Deployment) -> None:
    browser = Browser(_server(site), source="127.0.0.8")
    statuses = []
    for _ in range(7):
        token = browser.csrf("/login")
        statuses.append(browser.request("POST", "/login", {
            "csrf": token, "email": "nobody@example.com", "password": "guess"}).status)
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429  # the e-mail's failures
    if not site.url.startswith("sqlite"):
        return  # the limits are the process's own, whatever the database: once is enough
    crowd = [Browser(_server(site), source="127.0.0.10").login(f"{n}@example.com", "guess")
             for n in range(12)]
    assert [r.status for r in crowd][:10] == [401] * 10 and crowd[-1].status == 429
