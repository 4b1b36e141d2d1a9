"""A throwaway PostgreSQL for tests: Debian's server binaries, a cluster of its own.

`Cluster` runs `initdb` into a new temporary folder and starts `postgres` on a
free port of 127.0.0.1 (and on a Unix socket in that folder), tuned for tests
(no fsync, no synchronous commit, small shared buffers, 200 connections), with
trust authentication for local and loopback connections only. Stopping it
(`pg_ctl stop -m immediate`) removes the folder. The system cluster that
Debian's package creates is neither used nor touched.

PostgreSQL refuses to run as root: as root, the server's programs run as the
`postgres` user (made by Debian's package), or as `nobody`, through `setpriv`.

The `postgres_cluster` fixture is one cluster per test process (so one per
pytest-xdist worker) for the whole session; import it into a test module under
its function's name (importing it as `postgres_cluster`
works too, but ruff then reports each test's parameter as a redefinition, F811):

    from tests.postgres import Cluster, postgres_cluster_fixture  # noqa: F401

    def test_something(postgres_cluster: Cluster) -> None:
        url = postgres_cluster.new_database("something")  # postgresql+psycopg://...

Without PostgreSQL's binaries the fixture skips its tests, unless
REQUIRE_POSTGRES is set (`scripts/test` sets it): then it fails them.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType

import pytest

from grader.sandbox.control import alive

BIN_ROOT = Path("/usr/lib/postgresql")
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
HOST = "127.0.0.1"
SUPERUSER = "postgres"  # the cluster's superuser (a role), whoever runs the server
START_TIMEOUT = 30.0  # seconds; a start normally takes a tenth of a second
POLL_INTERVAL = 0.01

# For tests only: none of these keeps data safe from a crash of the machine.
SETTINGS: Mapping[str, str] = {
    "max_connections": "200",
    "shared_buffers": "16MB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "jit": "off",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
}

FOLDER_PREFIX = "pg-test-"
OWNER_FILE = "owner.pid"  # the test process's pid: its folder is swept once it is dead
_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_PORT_TAKEN = ("could not bind", "Address already in use", "could not create any TCP/IP")


def find_binaries(root: Path = BIN_ROOT) -> Path | None:
    """The newest /usr/lib/postgresql/N/bin holding initdb, pg_ctl and postgres, if any.

    GRADE_TEST_POSTGRES_BIN, if set, names the folder to use instead."""
    chosen = os.environ.get("GRADE_TEST_POSTGRES_BIN")
    if chosen:
        return Path(chosen) if _has_server(Path(chosen)) else None
    found: list[tuple[tuple[int, ...], Path]] = []
    for folder in root.glob("*/bin"):
        try:
            version = tuple(int(part) for part in folder.parent.name.split("."))
        except ValueError:
            continue
        if _has_server(folder):
            found.append((version, folder))
    return max(found)[1] if found else None


def _has_server(folder: Path) -> bool:
    return all(os.access(folder / name, os.X_OK) and (folder / name).is_file()
               for name in SERVER_PROGRAMS)


def required() -> bool:
    """Whether a missing PostgreSQL fails tests instead of skipping them:
    REQUIRE_POSTGRES set to anything but empty or 0."""
    return os.environ.get("REQUIRE_POSTGRES", "") not in ("", "0")


def require_binaries() -> Path:
    """The server's binaries; without them, skip the test (fail it if `required()`)."""
    found = find_binaries()
    if found is not None:
        return found
    reason = ("PostgreSQL's server binaries (initdb, pg_ctl, postgres) are not in "
              f"{BIN_ROOT}/N/bin: run scripts/install-postgres")
    if required():
        pytest.fail(f"REQUIRE_POSTGRES is set and {reason}", pytrace=False)
    pytest.skip(reason)


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server's programs: None for this process's own user, unless root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("PostgreSQL refuses to run as root, and there is neither a "
                       "'postgres' nor a 'nobody' user to run it as")


def _sweep(parent: Path) -> None:
    """Remove the folders of clusters whose test process died without stopping them
    (killed, say): the kernel stopped their server, nobody removed their files."""
    for folder in parent.glob(f"{FOLDER_PREFIX}*"):
        try:
            owner = int((folder / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not one of ours, or one being made
        try:
            server: int | None = int(
                (folder / "data" / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            server = None  # stopped
        if not alive(owner) and not (server is not None and alive(server)):
            shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on at this moment."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _environment() -> dict[str, str]:
    """This process's environment without libpq's PG* variables (a developer's
    PGHOST or PGDATABASE must not redirect the tests' commands)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update({"LC_ALL": "C", "LANG": "C", "PGCONNECT_TIMEOUT": "10"})
    return env


class Cluster:
    """A PostgreSQL cluster of its own in a temporary folder, for as long as it is needed.

    Use it as a context manager, or call `start()` and `stop()`:

        with Cluster() as cluster:
            url = cluster.new_database("orders")

    `die_with_parent` (the default) has the kernel stop the server (SIGQUIT, an
    immediate shutdown) if this process dies without stopping it; it is only
    applied when starting from the main thread, since the kernel's notion of
    parent is the thread that started the server.
    """

    def __init__(self, bin_dir: Path | None = None, *,
                 settings: Mapping[str, str] | None = None,
                 die_with_parent: bool = True) -> None:
        found = bin_dir or find_binaries()
        if found is None:
            raise RuntimeError(f"PostgreSQL's server binaries are not in {BIN_ROOT}/N/bin")
        self.bin_dir: Path = found
        self.settings = {**SETTINGS, **(settings or {})}
        self.die_with_parent = die_with_parent
        self.user = SUPERUSER
        self.host = HOST
        self.port = 0
        self.folder: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._runner = _server_user()
        self._names = 0
        self._names_lock = threading.Lock()

    # Where things are -------------------------------------------------------

    def _in_folder(self, name: str) -> Path:
        if self.folder is None:
            raise RuntimeError("the cluster is not started")
        return self.folder / name

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self._in_folder("data")

    @property
    def socket_dir(self) -> Path:
        """The folder of the server's Unix socket (also a libpq `host`)."""
        return self._in_folder("")

    @property
    def log_file(self) -> Path:
        """What the server wrote on its standard output and error."""
        return self._in_folder("postgres.log")

    @property
    def version(self) -> int:
        """The cluster's major version (15, 16, ...; 9 for 9.6)."""
        return int((self.data_dir / "PG_VERSION").read_text().split(".")[0])

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy's URL of one of the cluster's databases, over TCP on 127.0.0.1."""
        if not self.port:
            raise RuntimeError("the cluster is not started")
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """libpq's connection string of one of the cluster's databases (psycopg.connect)."""
        if not self.port:
            raise RuntimeError("the cluster is not started")
        return f"host={self.host} port={self.port} user={self.user} dbname={database}"

    # Running its programs ---------------------------------------------------

    def _as_server_user(self, argv: list[str], *, die_with_parent: bool = False) -> list[str]:
        """argv run as the server's user (when root), possibly dying with this thread."""
        prefix: list[str] = []
        if shutil.which("setpriv"):
            if self._runner is not None:
                prefix += [f"--reuid={self._runner.pw_uid}", f"--regid={self._runner.pw_gid}",
                           "--init-groups"]
            if die_with_parent:
                prefix += ["--pdeathsig", "QUIT"]
            return ["setpriv", *prefix, "--", *argv] if prefix else argv
        if self._runner is not None:
            return ["runuser", "-u", self._runner.pw_name, "--", *argv]
        return argv

    def _run(self, argv: list[str], *, as_server: bool = False, input: str | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run one of the cluster's programs; its error (with its output) if it fails."""
        command = self._as_server_user(argv) if as_server else argv
        done = subprocess.run(command, input=input, text=True, capture_output=True,
                              env=_environment(), cwd=self.folder, timeout=timeout,
                              check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited with {done.returncode}:\n"
                               f"{done.stdout}{done.stderr}")
        return done

    def _program(self, name: str) -> str:
        return str(self.bin_dir / name)

    # Starting and stopping --------------------------------------------------

    def start(self) -> Cluster:
        """initdb a new cluster into a new temporary folder and start its server."""
        if self.folder is not None:
            raise RuntimeError("the cluster is already started")
        # A short path: a Unix socket's path may not be longer than 107 bytes.
        parent = tempfile.gettempdir()
        if len(parent) > 60:
            parent = "/tmp"
        _sweep(Path(parent))
        self.folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=parent))
        try:
            (self.folder / OWNER_FILE).write_text(str(os.getpid()))
            if self._runner is not None:
                os.chown(self.folder, self._runner.pw_uid, self._runner.pw_gid)
            self._initdb()
            for _ in range(5):  # another process may take the free port before the server
                if self._launch(_free_port()):
                    return self
            raise RuntimeError(f"PostgreSQL found no free port:\n{self._log_tail()}")
        except BaseException:
            self.stop()
            raise

    def _initdb(self) -> None:
        self._run([self._program("initdb"), "-D", str(self.data_dir), "-U", self.user,
                   "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
                  as_server=True)
        # Opened for writing, the files keep the owner and mode initdb gave them.
        (self.data_dir / "pg_hba.conf").write_text(
            "# TYPE  DATABASE  USER  ADDRESS       METHOD\n"
            "local   all       all                 trust\n"
            f"host    all       all   {HOST}/32  trust\n")
        settings = {**self.settings, "listen_addresses": f"'{HOST}'",
                    "unix_socket_directories": f"'{self.socket_dir}'"}
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# tests/postgres.py\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _launch(self, port: int) -> bool:
        """Start the server on this port and wait until it accepts connections.

        False if the port was taken meanwhile; an error if it fails otherwise."""
        die = self.die_with_parent and threading.current_thread() is threading.main_thread()
        argv = self._as_server_user([self._program("postgres"), "-D", str(self.data_dir),
                                     "-p", str(port)], die_with_parent=die)
        with self.log_file.open("ab") as log:
            logged = log.tell()
            self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, env=_environment(),
                                             cwd=self.folder, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                said = self.log_file.read_bytes()[logged:].decode(errors="replace")
                if any(words in said for words in _PORT_TAKEN):
                    return False
                raise RuntimeError(f"PostgreSQL did not start:\n{self._log_tail()}")
            if self._ready():
                self.port = port
                return True
            time.sleep(POLL_INTERVAL)
        raise RuntimeError(f"PostgreSQL was not ready after {START_TIMEOUT:.0f} s:\n"
                           f"{self._log_tail()}")

    def _ready(self) -> bool:
        """Whether postmaster.pid says the server accepts connections (as pg_ctl reads it)."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready"

    def _log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except (OSError, RuntimeError):
            return ""

    def stop(self) -> None:
        """Stop the server at once (no checkpoint: nothing is kept) and remove its folder."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                self._run([self._program("pg_ctl"), "stop", "-D", str(self.data_dir),
                           "-m", "immediate", "-w", "-t", "30", "-s"], as_server=True)
            except (RuntimeError, subprocess.TimeoutExpired):
                process.send_signal(signal.SIGQUIT)  # what pg_ctl would have sent
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
        self.port = 0

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    # Databases --------------------------------------------------------------

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with psql over the Unix socket; its rows, unaligned, `|` between values."""
        done = self._run([self._program("psql"), "-X", "-q", "-A", "-t",
                          "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
                          "-p", str(self.port), "-U", self.user, "-d", database, "-f", "-"],
                         input=sql)
        return done.stdout

    def new_database(self, name: str | None = None) -> str:
        """Create a new, empty database (from template0) and return its SQLAlchemy URL.

        name: lower-case letters, digits and underscores; a new one if None."""
        if name is None:
            with self._names_lock:
                self._names += 1
                name = f"test_{self._names}"
        if not _DATABASE_NAME.fullmatch(name):
            raise ValueError(f"not a plain database name: {name!r}")
        # Copying template0's files is faster than WAL_LOG (15's default) with fsync off.
        strategy = " STRATEGY FILE_COPY" if self.version >= 15 else ""
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE template0{strategy}')
        return self.url(name)


class _Shared:
    """The session's cluster of this process, whichever test modules import the fixture.

    Each module that imports the fixture gets its own fixture definition from
    pytest (and its own session-scoped value): counting them keeps it one cluster."""

    lock = threading.Lock()
    cluster: Cluster | None = None
    users = 0

    @classmethod
    def acquire(cls, bin_dir: Path) -> Cluster:
        with cls.lock:
            if cls.cluster is None:
                cls.cluster = Cluster(bin_dir).start()
            cls.users += 1
            return cls.cluster

    @classmethod
    def release(cls) -> None:
        with cls.lock:
            cls.users -= 1
            if cls.users == 0 and cls.cluster is not None:
                cls.cluster.stop()
                cls.cluster = None


@pytest.fixture(scope="session", name="postgres_cluster")
def postgres_cluster_fixture() -> Iterator[Cluster]:
    """A running PostgreSQL cluster, one per test process, stopped at the session's end.

    Tests share it: each should take a database of its own, `new_database()`."""
    bin_dir = require_binaries()
    cluster = _Shared.acquire(bin_dir)
    try:
        yield cluster
    finally:
        _Shared.release()


# The fixture under its own name too; a test taking it as a parameter then
# redefines the imported name, which ruff reports (F811): prefer the above.
postgres_cluster = postgres_cluster_fixture
