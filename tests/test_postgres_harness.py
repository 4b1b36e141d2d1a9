"""The throwaway PostgreSQL of the tests (tests/postgres.py) works as promised."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

from tests import postgres
from tests.postgres import Cluster, postgres_cluster_fixture  # noqa: F401

# The server tests share one worker (scripts/test: --dist loadgroup), so that each module's
# servers and the PostgreSQL cluster start once, not once per worker.
pytestmark = pytest.mark.xdist_group("server")


def listeners(port: int) -> set[str]:
    """The local addresses (as /proc/net writes them) listening on this TCP port."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            local, state = row.split()[1], row.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_the_cluster_listens_on_127_0_0_1_only(postgres_cluster: Cluster) -> None:
    assert postgres_cluster.running
    assert postgres_cluster.url().startswith(
        f"postgresql+psycopg://postgres@127.0.0.1:{postgres_cluster.port}/")
    assert listeners(postgres_cluster.port) == {"0100007F"}  # 127.0.0.1, nothing else
    assert postgres_cluster.psql("SHOW listen_addresses") == "127.0.0.1\n"
    assert postgres_cluster.psql("SHOW max_connections") == "200\n"
    assert postgres_cluster.psql("SHOW fsync") == "off\n"
    hba = postgres_cluster.psql("SELECT type, address FROM pg_hba_file_rules ORDER BY 1")
    assert hba.splitlines() == ["host|127.0.0.1", "local|"]


def test_new_databases_are_independent(postgres_cluster: Cluster) -> None:
    first = postgres_cluster.new_database("harness_first")
    second = postgres_cluster.new_database()
    assert first.endswith("/harness_first")
    assert first != second
    postgres_cluster.psql("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('hi')",
                          "harness_first")
    assert postgres_cluster.psql("SELECT body FROM notes", "harness_first") == "hi\n"
    assert postgres_cluster.psql("SELECT to_regclass('notes') IS NULL",
                                 second.rsplit("/", 1)[1]) == "t\n"
    with pytest.raises(ValueError):
        postgres_cluster.new_database('x"; DROP DATABASE postgres; --')


@pytest.mark.skipif(not (importlib.util.find_spec("sqlalchemy")
                         and importlib.util.find_spec("psycopg")),
                    reason="SQLAlchemy and psycopg are not installed (yet)")
def test_the_url_works_with_sqlalchemy(postgres_cluster: Cluster) -> None:
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres_cluster.new_database())
    try:
        with engine.connect() as connection:
            assert connection.execute(sqlalchemy.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_a_stopped_cluster_leaves_nothing_behind() -> None:
    with Cluster() as cluster:
        folder, port = cluster.folder, cluster.port
        assert folder is not None and (folder / "data" / "PG_VERSION").exists()
        assert listeners(port)
    assert not folder.exists()
    assert not cluster.running
    assert not listeners(port)


def test_no_binaries_skip_unless_postgres_is_required(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "find_binaries", lambda: None)
    monkeypatch.delenv("REQUIRE_POSTGRES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="install-postgres"):
        postgres.require_binaries()
    monkeypatch.setenv("REQUIRE_POSTGRES", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_POSTGRES"):
        postgres.require_binaries()


def test_the_newest_version_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADE_TEST_POSTGRES_BIN", raising=False)
    for version, programs in (("9.6", postgres.SERVER_PROGRAMS), ("16", ("psql",)),
                              ("15", postgres.SERVER_PROGRAMS)):
        (tmp_path / version / "bin").mkdir(parents=True)
        for name in programs:
            (tmp_path / version / "bin" / name).touch(mode=0o755)
    assert postgres.find_binaries(tmp_path) == tmp_path / "15" / "bin"  # 16 has no server
    assert postgres.find_binaries(tmp_path / "none") is None



def test_folders_of_dead_test_processes_are_swept(tmp_path: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()  # reaped: its pid belongs to no process
    for name, owner in (("dead", finished.pid), ("alive", os.getpid()), ("unowned", None)):
        folder = tmp_path / f"{postgres.FOLDER_PREFIX}{name}"
        (folder / "data").mkdir(parents=True)
        if owner is not None:
            (folder / postgres.OWNER_FILE).write_text(str(owner))
    postgres._sweep(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        f"{postgres.FOLDER_PREFIX}alive", f"{postgres.FOLDER_PREFIX}unowned"]
