"""The server's own secrets, attacked over raw HTTP against a real `grade-server serve`
with two processes, on SQLite and PostgreSQL (#22.8): the SQLite files are owner-only
(made so, or fixed when the server starts, or refused when someone else owns them); a
cookie forged with the signing key read out of the database gets no page; a cookie
replayed after sign-out gets no page; an attacker's wrong passwords from one address do
not stop the instructor signing in from another; a class of 40 behind one address joins
in a minute while a flood on one code, or guessing codes, is limited.

Each attack here succeeded against the server before these fixes."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer

from grader.server import auth, enrolment
from grader.server.database import writing
from tests.postgres import postgres_cluster_fixture  # noqa: F401
from tests.server_harness import (
    PASSWORD,
    Browser,
    Deployment,
    deploy,
    grade_server,
    server_database_fixture,  # noqa: F401
)
from tests.server_harness import Server as RunningServer

pytestmark = pytest.mark.xdist_group("server")


@pytest.fixture(scope="module")
def site(server_database: str, tmp_path_factory: pytest.TempPathFactory,
         ) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("secrets-home")
    deployment = deploy(home, server_database)
    # Two web processes: what one counts, the other must see (the counts are the database's).
    deployment.server = RunningServer(home, server_database, "--no-regrade", "--workers", "2")
    yield deployment
    deployment.server.stop()


def _server(site: Deployment) -> RunningServer:
    assert site.server is not None
    return site.server


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _sqlite_file(site: Deployment) -> Path:
    return Path(site.url.removeprefix("sqlite:///"))


def _instructor_id(site: Deployment) -> int:
    return int(site.rows("SELECT id FROM instructors WHERE email = :e", e=site.email)[0][0])


def _got_the_csv(reply_text: str) -> bool:
    return "learner,name,passed" in reply_text


# -- the files -----------------------------------------------------------------------

def test_the_database_and_its_companions_are_owner_only(site: Deployment) -> None:
    if not site.url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps its own files")
    server = _server(site)
    assert server.json("POST", "/api/join", {"code": site.code, "name": "Writer"},
                       source="127.0.0.40").status == 201  # the WAL and its index exist now
    database = _sqlite_file(site)
    files = [Path(f"{database}{suffix}") for suffix in ("", "-wal", "-shm", ".writers")]
    assert all(f.exists() for f in files), [f for f in files if not f.exists()]
    assert {f.name: oct(_mode(f)) for f in files} == {f.name: "0o600" for f in files}


def test_files_left_readable_are_fixed_when_the_server_starts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/old.sqlite"
    deploy(tmp_path, url).engine().dispose()
    database = tmp_path / "old.sqlite"
    wal = tmp_path / "old.sqlite-wal"
    wal.touch()  # an empty WAL, as a crash leaves one, world-readable as it was made
    for path in (database, wal):
        os.chmod(path, 0o644)
    server = RunningServer(tmp_path, url, "--no-regrade")
    try:
        assert _mode(database) == 0o600 and _mode(wal) == 0o600
        said = server.log.read_text()
        assert f"made {database} owner-only (it was 0644)" in said
    finally:
        server.stop()


def test_a_database_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    url = f"sqlite:///{tmp_path}/theirs.sqlite"
    deploy(tmp_path, url).engine().dispose()
    os.chown(tmp_path / "theirs.sqlite", 65534, 65534)
    done = grade_server(tmp_path, url, "serve", "--port", "1")
    assert done.returncode == 4, done.stderr
    assert "belongs to user id 65534" in done.stderr and "chown" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


# -- sessions ------------------------------------------------------------------------

def test_a_cookie_forged_with_the_databases_key_gets_no_page(site: Deployment) -> None:
    """What the attacker did: read the signing key out of the (then world-readable)
    database and sign a session naming the instructor. The key is still readable to its
    owner (this test): it no longer makes a session."""
    server = _server(site)
    Browser(server).request("GET", "/login")  # the key exists once a page was served
    key = site.rows("SELECT value FROM settings WHERE name = 'session_key'")[0][0]
    serializer = URLSafeTimedSerializer(key, salt="grade-server-session")
    who = _instructor_id(site)
    for forged in ({"instructor": who, "csrf": "x"},
                   {"instructor": who, "sid": "made-up", "csrf": "x"}):
        cookie = {"Cookie": f"grade_session={serializer.dumps(forged)}"}
        for path in ("/cohorts", f"/cohorts/{site.cohort_id}/grid.csv"):
            reply = server.request("GET", path, headers=cookie)
            assert reply.status == 303 and reply.headers["location"] == "/login", path
            assert not _got_the_csv(reply.text)


def test_an_old_cookie_replayed_after_sign_out_gets_no_page(site: Deployment) -> None:
    server = _server(site)
    teacher = Browser(server, source="127.0.0.41")
    assert teacher.login(site.email).status == 303
    stolen = teacher.cookie
    csv_path = f"/cohorts/{site.cohort_id}/grid.csv"
    assert _got_the_csv(teacher.request("GET", csv_path).text)
    out = teacher.request("POST", "/logout", {"csrf": teacher.csrf("/cohorts")})
    assert out.status == 303 and out.headers["location"] == "/login"
    for path in ("/cohorts", csv_path, f"/cohorts/{site.cohort_id}"):
        replayed = server.request("GET", path, headers={"Cookie": stolen})
        assert replayed.status == 303 and replayed.headers["location"] == "/login", path
        assert not _got_the_csv(replayed.text)
    again = Browser(server, source="127.0.0.41")  # signing in again still works
    assert again.login(site.email).status == 303
    assert again.request("GET", "/cohorts").status == 200


def test_a_learners_old_cookie_is_dead_after_sign_out_too(site: Deployment) -> None:
    server = _server(site)
    learner = site.seed_learner("Replayed")
    browser = Browser(server, source="127.0.0.42")
    signed = browser.request("POST", "/learner", {"csrf": browser.csrf("/learner"),
                                                  "token": learner["token"]})
    assert signed.status == 303
    stolen = browser.cookie
    assert "Replayed" in browser.request("GET", "/me").text
    assert browser.request("POST", "/logout", {"csrf": browser.csrf("/me")}).status == 303
    replayed = server.request("GET", "/me", headers={"Cookie": stolen})
    assert replayed.status == 303 and "Replayed" not in replayed.text


# -- sign-ins ------------------------------------------------------------------------

def test_wrong_passwords_elsewhere_do_not_lock_the_instructor_out(site: Deployment) -> None:
    """Today's lock: five wrong passwords from anywhere, and the right one got 429."""
    server = _server(site)
    attacker = Browser(server, source="127.0.0.43")
    statuses = [attacker.login(site.email, f"guess number {n}").status for n in range(8)]
    # Counted in the database: both processes together let exactly 5 through.
    assert statuses == [401] * 5 + [429] * 3, statuses
    slowed = attacker.login(site.email, "guess number 9")
    assert slowed.status == 429 and int(slowed.headers["retry-after"]) >= 1
    # The attacker's address is slowed even with the right password...
    assert attacker.login(site.email).status == 429
    # ...the instructor, from their own address, is not.
    teacher = Browser(server, source="127.0.0.44")
    signed = teacher.login(site.email)
    assert signed.status == 303 and signed.headers["location"] == "/cohorts"
    assert teacher.request("GET", "/cohorts").status == 200


def test_a_right_password_forgives_the_instructors_own_mistakes(site: Deployment) -> None:
    server = _server(site)
    with writing(site.engine()) as connection:
        auth.create_instructor(connection, "forgetful@example.com", PASSWORD)
    teacher = Browser(server, source="127.0.0.45")
    for n in range(4):
        assert teacher.login("forgetful@example.com", f"typo {n}").status == 401
    assert teacher.login("forgetful@example.com").status == 303
    # Forgiven: four more typos are still free (without it, the fifth would be refused).
    statuses = [teacher.login("forgetful@example.com", f"typo {n}").status for n in range(4)]
    assert statuses == [401] * 4
    assert teacher.login("forgetful@example.com").status == 303


# -- joins ---------------------------------------------------------------------------

def test_a_class_behind_one_address_joins_while_a_code_flood_is_limited(
        site: Deployment) -> None:
    server = _server(site)
    with writing(site.engine()) as connection:
        who = _instructor_id(site)
        _, code = enrolment.create_cohort(connection, who, "One NAT")
        _, other_code = enrolment.create_cohort(connection, who, "Next door")
    # A class of 40 behind one address, within a minute: every one joins.
    classroom = [server.json("POST", "/api/join", {"code": code, "name": f"Learner {n}"},
                             source="127.0.0.50").status for n in range(40)]
    assert classroom == [201] * 40, classroom
    # A flood on the same code, from many addresses: the code takes JOINS_PER_CODE a minute.
    room = enrolment.JOINS_PER_CODE - 40
    flood = [server.json("POST", "/api/join", {"code": code, "name": f"Fake {n}"},
                         source=f"127.0.1.{n % 20 + 1}") for n in range(room + 5)]
    assert [r.status for r in flood] == [201] * room + [429] * 5
    refused = flood[-1]
    assert "this enrolment code" in refused.json()["error"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # The limit is the code's: another cohort's class, from the same addresses, joins.
    assert server.json("POST", "/api/join", {"code": other_code, "name": "Neighbour"},
                       source="127.0.0.50").status == 201


def test_guessing_enrolment_codes_is_slowed_per_address(site: Deployment) -> None:
    server = _server(site)
    guesses = [server.json("POST", "/api/join", {"code": f"GUESS-{n:05d}", "name": "x"},
                           source="127.0.0.60").status for n in range(13)]
    assert guesses == [404] * 10 + [429] * 3, guesses  # both processes count together
    blocked = server.json("POST", "/api/join", {"code": site.code, "name": "Guesser"},
                          source="127.0.0.60")
    assert blocked.status == 429 and "wrong enrolment codes" in blocked.json()["error"]
    assert server.json("POST", "/api/join", {"code": site.code, "name": "Honest"},
                       source="127.0.0.61").status == 201
    counted = site.rows("SELECT failures FROM throttles WHERE key = :k",
                        k="join-code|127.0.0.60")
    assert counted and counted[0][0] == 10  # refused tries are not counted again
