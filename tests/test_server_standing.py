"""Which passes count (grader/server/standing.py), through a real `grade-server serve` on
SQLite and PostgreSQL, in raw HTTP: a pass counts in the grid's total, the CSV and the
Gradescope export only when the server's own re-grade verified it, or, in a cohort whose
instructor accepts live gradings (`grade-server cohort accept-live CODE`), when it is a
live pass, marked "self-reported (live)". A learner who sends a live-mode pass, a
quiz-mode "pass" of a hands-on exercise, a record with an event time that cannot be read,
or answers that cannot be read, gets no counted pass: each is shown as self-reported,
with why; a pass waiting for its re-grade is shown as pending, and does not count yet.

The server takes submissions without re-grading them (`--no-regrade`); the test then
runs the re-grade worker's code with the real re-grade (`worker.run_once`), so that what
is pending and what is re-graded is decided here, not by the clock."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from grader.progress.submission import StoredEvent
from grader.quiz.model import load_quiz, right_letters
from grader.sandbox.history.record import COLUMNS, chain_link
from grader.server import migrate, progress, standing, worker
from grader.server.schema import metadata
from tests.conftest import EXERCISES
from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import (
    Browser,
    Deployment,
    Record,
    deploy,
    event_values,
    grade_server,
    server_database_fixture,  # noqa: F401
    submission,
)
from tests.server_harness import Server as RunningServer

pytestmark = pytest.mark.xdist_group("server")
QUIZ = "01-shared-responsibility"
HANDS_ON = "03-stop-using-root"


@pytest.fixture(scope="module")
def site(server_database: str, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("standing-home")
    deployment = deploy(home, server_database)
    deployment.server = RunningServer(home, server_database, "--no-regrade")
    yield deployment
    deployment.server.stop()


@pytest.fixture(scope="module")
def teacher(site: Deployment) -> Browser:
    assert site.server is not None
    browser = Browser(site.server)
    assert browser.login(site.email).status == 303
    return browser


def _server(site: Deployment) -> RunningServer:
    assert site.server is not None
    return site.server


def _regrade_all(site: Deployment) -> int:
    """Run the queued re-grades with the real re-grade (as a worker does); how many."""
    done = 0
    while worker.run_once(site.engine()):
        done += 1
    return done


def _right_answers() -> str:
    quiz = load_quiz(EXERCISES / QUIZ)
    return "".join(f'{q.id} = "{right_letters(QUIZ, q)}"\n' for q in quiz.questions)


def _unreadable_time() -> Record:
    """A record whose last event's time is not a time (its chain link made right)."""
    record = Record(salt="unreadable-time")
    record.add(2)
    values = event_values(3, dt.datetime.now(dt.UTC), salt="unreadable-time")
    values[COLUMNS.index("event_time")] = "the day after tomorrow"
    record.events.append(StoredEvent(3, tuple(values), chain_link(record.head[1], values)))
    return record


# -- what the instructor sees ---------------------------------------------------------

def _total(teacher: Browser, cohort_id: int, name: str) -> int:
    """The learner's "passed" total in the grid."""
    page = teacher.request("GET", f"/cohorts/{cohort_id}?q={quote(name)}").text
    found = re.search(rf">{re.escape(name)}</a>.*?<td>(\d+) / \d+</td>", page, re.S)
    assert found, page[-3000:]
    return int(found.group(1))


def _grid_cell(teacher: Browser, cohort_id: int, name: str, exercise: str) -> str:
    """The text of the learner's cell for `exercise` in the grid (tags removed)."""
    page = teacher.request("GET", f"/cohorts/{cohort_id}?q={quote(name)}").text
    header = re.search(r"<thead>(.*?)</thead>", page, re.S)
    assert header
    position = re.findall(r"<th scope=\"col\">(.*?)</th>", header.group(1), re.S)
    column = next(i for i, h in enumerate(position) if f">{exercise[:2]}</a>" in h)
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{re.escape(name)}</a>(.*?)</tr>",
                    page, re.S)
    assert row
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", cells[column - 1]).split())


def _csv(teacher: Browser, cohort_id: int, name: str) -> dict[str, str]:
    reply = teacher.request("GET", f"/cohorts/{cohort_id}/grid.csv")
    assert reply.status == 200
    rows = list(csv.reader(io.StringIO(reply.text)))
    found = [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[1] == name]
    assert len(found) == 1, rows
    return found[0]


def _gradescope(teacher: Browser, cohort_id: int, public_id: str) -> dict[str, Any]:
    reply = teacher.request("GET", f"/cohorts/{cohort_id}/learners/{public_id}/results.json")
    assert reply.status == 200
    return dict(reply.json())


def _test(document: dict[str, Any], exercise: str) -> dict[str, Any]:
    return dict(next(t for t in document["tests"] if t["name"].startswith(exercise)))


def _summaries_hold(site: Deployment) -> None:
    """The grid's summary as ingest and the worker kept it is what recomputing every cell
    from the submissions makes of it (one definition, kept two ways)."""
    query = ("SELECT p.learner_id, p.exercise, p.passed, p.state, p.reason, p.attempts, "
             "p.pending, l.passed_count FROM progress p JOIN learners l ON l.id = p.learner_id "
             "ORDER BY p.learner_id, p.exercise")
    kept = [tuple(r) for r in site.rows(query)]
    with site.engine().begin() as connection:
        for row in kept:
            progress.update(connection, int(row[0]), str(row[1]))
    assert [tuple(r) for r in site.rows(query)] == kept


# -- the tests -----------------------------------------------------------------------

def test_passes_the_server_cannot_check_do_not_count(site: Deployment,
                                                     teacher: Browser) -> None:
    """The attack: four learners each send a "pass" the server cannot verify; a fifth
    sends right answers to a quiz, which the server scores itself (verified)."""
    server = _server(site)
    sent = {
        "Live": submission(None, exercise=HANDS_ON, mode="live"),
        "QuizMode": submission(None, exercise=HANDS_ON, mode="quiz"),
        "BadClock": submission(_unreadable_time(), exercise=HANDS_ON),
        "BadAnswers": submission(None, exercise=QUIZ, mode="quiz",
                                 answers='hypervisor = "a"\n[[[ not toml'),
        "Honest": submission(None, exercise=QUIZ, mode="quiz", answers=_right_answers()),
    }
    people = {name: site.seed_learner(name) for name in sent}
    for name, sub in sent.items():
        assert sub.verdict["passed"]  # every one of them says it passed
        reply = server.submit(people[name]["token"], sub)
        assert reply.status == 201, reply.text
    cohort = site.cohort_id

    # Before the re-grades: nothing counts; what waits is shown as pending.
    for name, sub in sent.items():
        assert _total(teacher, cohort, name) == 0, name
        status = _csv(teacher, cohort, name)[f"{sub.exercise} status"]
        assert status == ("self-reported, not counted (live mode: a real AWS account, which "
                          "the server cannot re-grade)" if name == "Live"
                          else "re-grade pending"), (name, status)
    assert "re-grade pending" in _grid_cell(teacher, cohort, "Honest", QUIZ)

    assert _regrade_all(site) == 4  # (a live grading is never queued)
    why = {"Live": ("live", "live mode"),
           "QuizMode": ("quiz mode", "a quiz-mode submission for a hands-on exercise"),
           "BadClock": ("unreadable time", "an event time in its record that the server "
                                           "cannot read"),
           "BadAnswers": ("unreadable answers", "answers that the server cannot read")}
    for name, (short, long) in why.items():
        exercise = sent[name].exercise
        assert _total(teacher, cohort, name) == 0, name
        assert f"? self-reported ({short}), not counted" in \
            _grid_cell(teacher, cohort, name, exercise)
        row = _csv(teacher, cohort, name)
        assert row["passed"] == "0"
        assert row[f"{exercise} status"].startswith(f"self-reported, not counted ({long}")
        document = _gradescope(teacher, cohort, people[name]["learner"])
        assert document["score"] == 0.0
        test = _test(document, exercise)
        assert (test["score"], test["status"]) == (0.0, "failed")
        assert f"self-reported, not counted ({long}" in test["output"]
        page = teacher.request("GET", f"/cohorts/{cohort}/learners/{people[name]['learner']}")
        assert f"Counts as: self-reported, not counted: {long}" in page.text

    # The quiz the server scored from the answers sent counts, the same way everywhere.
    honest = people["Honest"]
    assert _total(teacher, cohort, "Honest") == 1
    assert _grid_cell(teacher, cohort, "Honest", QUIZ).startswith("✓ passed")
    assert _csv(teacher, cohort, "Honest")[f"{QUIZ} status"] == "passed"
    document = _gradescope(teacher, cohort, honest["learner"])
    assert document["score"] == 1.0 and _test(document, QUIZ)["score"] == 1.0
    exercise_page = teacher.request("GET", f"/cohorts/{cohort}/exercises/{HANDS_ON}").text
    assert re.search(r"self-reported, not counted</th><td>3</td>", exercise_page)
    assert re.search(r"<th scope=\"row\">passed</th><td>0</td>", exercise_page)
    me = server.request("GET", "/api/me",
                        headers={"Authorization": f"Bearer {people['BadClock']['token']}"})
    (mine,) = me.json()["submissions"]
    assert (mine["standing"], mine["counts"]) == (standing.UNREADABLE_TIME, False)
    _summaries_hold(site)


def test_a_cohort_that_accepts_live_gradings_counts_them_marked_as_such(
        site: Deployment, teacher: Browser) -> None:
    server = _server(site)
    made = grade_server(site.home, site.url, "cohort", "create", "Live ones",
                        "--instructor", site.email)
    assert made.returncode == 0, made.stderr
    code = made.stdout.strip()
    cohort = int(site.rows("SELECT id FROM cohorts WHERE code = :c", c=code)[0][0])
    early = site.seed_learner("Early Live", cohort_id=cohort)
    assert server.submit(early["token"], submission(None, mode="live")).status == 201
    elsewhere = site.seed_learner("Elsewhere Live")  # in the site's own cohort
    assert server.submit(elsewhere["token"], submission(None, mode="live")).status == 201
    assert _total(teacher, cohort, "Early Live") == 0  # verified passes only, by default
    assert "only the passes the server verified" in \
        teacher.request("GET", f"/cohorts/{cohort}").text

    accepted = grade_server(site.home, site.url, "cohort", "accept-live", code.lower())
    assert accepted.returncode == 0, accepted.stderr
    assert "live gradings count" in accepted.stdout and "1 learner with" in accepted.stdout
    late = site.seed_learner("Late Live", cohort_id=cohort)  # a live pass taken after
    assert server.submit(late["token"], submission(None, mode="live")).status == 201
    page = teacher.request("GET", f"/cohorts/{cohort}").text
    assert "and live gradings" in page and "self-reported (live)" in page
    for person, name in [(early, "Early Live"), (late, "Late Live")]:
        assert _total(teacher, cohort, name) == 1
        assert _grid_cell(teacher, cohort, name, HANDS_ON).startswith(
            "✓ self-reported (live)")
        row = _csv(teacher, cohort, name)
        assert (row["passed"], row[f"{HANDS_ON} status"]) == ("1", "passed: self-reported (live)")
        document = _gradescope(teacher, cohort, person["learner"])
        test = _test(document, HANDS_ON)
        assert document["score"] == 1.0 and test["score"] == 1.0
        assert test["output"].startswith("passed: self-reported (live)")
        assert "live gradings (self-reported" in document["output"]
    # Other cohorts are not changed by this one's choice.
    assert _total(teacher, site.cohort_id, "Elsewhere Live") == 0
    _summaries_hold(site)

    back = grade_server(site.home, site.url, "cohort", "verified-only", code)
    assert back.returncode == 0 and "2 learners" in back.stdout
    assert [_total(teacher, cohort, n) for n in ("Early Live", "Late Live")] == [0, 0]
    unknown = grade_server(site.home, site.url, "cohort", "accept-live", "NOPE0-NOPE0")
    assert unknown.returncode == 2 and "no cohort" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1
    _summaries_hold(site)


@pytest.mark.parametrize("standing_, accept_live, state", [
    (standing.VERIFIED, False, standing.PASSED),
    (standing.LIVE, True, standing.PASSED_LIVE),
    (standing.LIVE, False, standing.SELF_REPORTED),
    (standing.PENDING, True, standing.WAITING),
    (standing.NOT_PASSED, True, standing.FAILING),
    *[(why, True, standing.SELF_REPORTED) for why in standing.REASONS if why != standing.LIVE],
])
def test_only_verified_and_accepted_live_passes_count(standing_: str, accept_live: bool,
                                                      state: str) -> None:
    assert standing.state(standing_, accept_live) == state
    assert standing.counts(standing_, accept_live) == (state in standing.COUNTED)


def test_a_regrade_decides_the_standing() -> None:
    after = standing.after_regrade
    assert after("regraded", True, False) == standing.VERIFIED  # (the learner undersold it)
    assert after("regraded", False, True) == standing.NOT_PASSED
    assert after("unreplayable", None, True, standing.UNREADABLE_TIME) == \
        standing.UNREADABLE_TIME
    assert after("unreplayable", None, True) == standing.NOT_REGRADED
    assert after("failed", None, True) == standing.NOT_REGRADED
    assert after("unreplayable", None, False, standing.UNREADABLE_ANSWERS) == \
        standing.NOT_PASSED
    assert standing.best([standing.FAILING, standing.WAITING, standing.SELF_REPORTED]) == \
        standing.WAITING


def test_the_regrade_says_why_it_could_not_verify() -> None:
    """Each way of sending what the server cannot check gets its reason from the re-grade
    itself, before any account is rebuilt (a record with one unreadable time anywhere in
    it, not only in the slice just sent; a quiz-mode 03 with a record too)."""
    from grader.server.regrade import UNREPLAYABLE, regrade

    def why(*args: Any) -> tuple[str, str | None]:
        outcome = regrade(*args)
        return outcome.status, outcome.why

    bad = _unreadable_time()
    account = bad.account()
    naive = Record(salt="naive")
    naive.add(1)
    values = list(naive.events[0].columns)
    values[COLUMNS.index("event_time")] = "2026-12-01T09:00:00"  # no zone: not as recorded
    naive.events[0] = StoredEvent(1, tuple(values), chain_link(Record().head[1], values))
    assert why(HANDS_ON, "live", None, [], None) == ("self-reported", standing.LIVE)
    assert why(HANDS_ON, "quiz", None, [], None) == (UNREPLAYABLE, standing.QUIZ_FOR_HANDS_ON)
    assert why(HANDS_ON, "quiz", account, bad.events, None) == \
        (UNREPLAYABLE, standing.QUIZ_FOR_HANDS_ON)
    assert why(HANDS_ON, "sandbox", account, bad.events, None) == \
        (UNREPLAYABLE, standing.UNREADABLE_TIME)
    assert why(HANDS_ON, "sandbox", account, naive.events, None) == \
        (UNREPLAYABLE, standing.UNREADABLE_TIME)
    assert why(QUIZ, "quiz", None, [], "[[[") == (UNREPLAYABLE, standing.UNREADABLE_ANSWERS)
    assert why(QUIZ, "quiz", None, [], _right_answers()) == ("regraded", None)


# -- the migration ----------------------------------------------------------------------

@pytest.fixture(name="empty_database", params=[
    pytest.param("sqlite", marks=pytest.mark.xdist_group("sqlite")),
    pytest.param("postgresql", marks=pytest.mark.xdist_group("postgresql"))])
def empty_database_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/old.sqlite"
    return str(request.getfixturevalue("postgres_cluster").new_database())


def test_the_migration_carries_old_grades_over_as_the_server_now_counts_them(
        empty_database: str) -> None:
    """A database of the first schema, whose grid counted passes by the learner's word:
    after `migrate`, only the re-graded pass counts; the rest is pending or
    self-reported, and the schema is exactly `schema.py`'s."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from grader.server.database import connect

    engine = connect(empty_database)
    config = migrate._config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    now = dt.datetime(2026, 12, 1, 9, 0)
    old = [("verified", "sandbox", "regraded", True, True),
           ("pending", "sandbox", "queued", True, None),
           ("live", "live", "self-reported", True, None),
           ("broken", "sandbox", "unreplayable", True, None),
           ("failed", "sandbox", "regraded", True, False)]
    with engine.begin() as connection:
        def run(sql: str, **values: Any) -> None:
            connection.execute(sa.text(sql), values)

        run("INSERT INTO instructors (id, email, password_hash, created_at) "
            "VALUES (1, 't@x.org', 'x', :t)", t=now)
        run("INSERT INTO cohorts (id, instructor_id, name, code, open, created_at) "
            "VALUES (1, 1, 'Old', 'OLD00-OLD00', :y, :t)", y=True, t=now)
        for number, (name, mode, status, said, server) in enumerate(old, start=1):
            run("INSERT INTO learners (id, public_id, cohort_id, name, token_digest, revoked, "
                "joined_at, last_activity, passed_count, incident_count) VALUES "
                "(:i, :p, 1, :n, :d, :no, :t, :t, 1, 0)",
                i=number, p=f"l_{number}", n=name, d=f"{number:064d}", no=False, t=now)
            run("INSERT INTO submissions (public_id, learner_id, exercise, mode, graded_at, "
                "received_at, learner_passed, learner_verdict, status, server_passed, "
                "mismatch, flags, flagged) VALUES (:p, :i, :e, :m, :t, :t, :said, '{}', :s, "
                ":server, :no, '[]', :no)", p=f"s-{number}", i=number, e=HANDS_ON, m=mode,
                t=now, said=said, s=status, server=server, no=False)
            run("INSERT INTO progress (learner_id, exercise, passed, attempts, last_at, "
                "mismatches, flagged, pending, unverified) VALUES (:i, :e, :passed, 1, :t, "
                "0, 0, :pending, :unverified)", i=number, e=HANDS_ON,
                passed=server is not False, t=now, pending=int(status == "queued"),
                unverified=server is None)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        found = {r.name: (r.standing, r.state, r.reason, bool(r.passed), r.passed_count)
                 for r in connection.execute(sa.text(
                     "SELECT l.name, s.standing, p.state, p.reason, p.passed, l.passed_count "
                     "FROM learners l JOIN submissions s ON s.learner_id = l.id "
                     "JOIN progress p ON p.learner_id = l.id"))}
        accept_live = connection.execute(sa.text("SELECT accept_live FROM cohorts")).scalar()
    engine.dispose()
    assert found == {
        "verified": ("verified", "passed", None, True, 1),
        "pending": ("pending", "pending", None, False, 0),
        "live": ("live", "self-reported", "live", False, 0),
        "broken": ("not-regraded", "self-reported", "not-regraded", False, 0),
        "failed": ("not-passed", "failing", None, False, 0),
    }
    assert not accept_live
