"""`grade-server`: run the instructor progress server.

    grade-server init [--database URL] [--email E] [--password-stdin]
    grade-server migrate [--database URL]
    grade-server serve [--database URL] [--host 127.0.0.1] [--port 8000] [--workers N]
                       [--no-regrade] [--forwarded-allow-ips IPS]
    grade-server worker [--database URL]
    grade-server cohort create NAME --instructor EMAIL [--database URL]
    grade-server cohort accept-live CODE [--database URL]
    grade-server cohort verified-only CODE [--database URL]
    grade-server instructor add EMAIL [--password-stdin] [--database URL]

The database is GRADE_SERVER_DATABASE or --database (default
sqlite:///GRADE_SERVER_HOME/server.sqlite, GRADE_SERVER_HOME defaulting to
~/.grade-server); postgresql+psycopg://USER:PASSWORD@HOST/DB for PostgreSQL.
Exit status: 0 done, 2 bad input (one line on stderr saying what to do), 3 the
database cannot be reached or is not ready, 4 the SQLite database's files belong to
another user, 5 the server's packages are not installed (`grader/server/entry.py`, the
command's entry point, looks before anything here is imported). `init` and `instructor
add` read the password from a terminal (twice), or with --password-stdin from standard
input's first line; they check it before they create anything. Every file the server
writes is owner-only (umask 077).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from grader.server import auth, cohort_settings, database, enrolment, migrate
from grader.server.schema import instructors

BAD_INPUT = 2
NO_DATABASE = 3
UNSAFE_FILES = 4


class Failure(Exception):
    def __init__(self, message: str, status: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade-server",
                                     description="The course's instructor progress server.")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--database", metavar="URL",
                         help="sqlite:///PATH or postgresql+psycopg://... "
                              "(default: GRADE_SERVER_DATABASE, else ~/.grade-server)")
        return sub

    init = command("init", "create the database and the first instructor")
    init.add_argument("--email", help="the instructor's e-mail (asked if not given)")
    init.add_argument("--password-stdin", action="store_true",
                      help="read the password from standard input's first line")
    command("migrate", "bring the database's schema up to date")
    serve = command("serve", "serve the API and the dashboard")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="web processes (default 1)")
    serve.add_argument("--no-regrade", action="store_true",
                       help="do not re-grade in this server's processes (SQLite)")
    serve.add_argument("--forwarded-allow-ips", default=None,
                       help="proxies whose X-Forwarded-For/-Proto to trust (default: none)")
    command("worker", "re-grade queued submissions (PostgreSQL; run as many as wanted)")
    cohort = command("cohort", "manage cohorts: create NAME --instructor EMAIL (prints its "
                               "enrolment code); accept-live CODE (live gradings count, "
                               "marked self-reported); verified-only CODE (only passes the "
                               "server verified count: the default)")
    cohort.add_argument("action", choices=["create", *cohort_settings.ACTIONS])
    cohort.add_argument("name", metavar="NAME|CODE")
    cohort.add_argument("--instructor", metavar="EMAIL")
    instructor = command("instructor", "manage instructors")
    instructor.add_argument("action", choices=["add"])
    instructor.add_argument("email")
    instructor.add_argument("--password-stdin", action="store_true")
    return parser


def _engine(url: str | None) -> sa.Engine:
    chosen = url or database.url_from_env()
    try:
        return database.connect(chosen)
    except database.BadDatabaseURL as bad:
        raise Failure(f"grade-server: {bad}.") from None
    except database.UnsafeDatabase as unsafe:
        raise Failure(f"grade-server: {unsafe}.", UNSAFE_FILES) from None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise Failure("grade-server: there is no terminal to ask the password on: give it on "
                      "standard input with --password-stdin.")
    first = getpass.getpass(f"Password ({auth.MIN_PASSWORD} characters or more): ")
    if getpass.getpass("Again: ") != first:
        raise Failure("grade-server: the two passwords differ.")
    return first


def _new_instructor(email: str | None, from_stdin: bool) -> tuple[str, str]:
    """(e-mail, password) asked or read and checked, before anything is created."""
    if not email:
        if not sys.stdin.isatty():
            raise Failure("grade-server: give the instructor's e-mail with --email.")
        email = input("Instructor's e-mail: ")
    password = _password(from_stdin)
    try:
        return auth.check_new(email, password), password
    except auth.BadInstructor as bad:
        raise Failure(f"grade-server: {bad}.") from None


def _add_instructor(engine: sa.Engine, email: str, password: str) -> str:
    try:
        with database.writing(engine) as connection:
            auth.create_instructor(connection, email, password)
    except auth.BadInstructor as bad:
        raise Failure(f"grade-server: {bad}.") from None
    return email


def _has_instructors(url: str) -> bool:
    """Whether the database exists with instructors, found without creating anything."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise Failure(f"grade-server: {url!r} is not a database URL.") from None
    if (parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
            and not Path(parsed.database).exists()):
        return False
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(instructors.name):
                return False
            count = connection.execute(sa.select(sa.func.count())
                                       .select_from(instructors)).scalar_one()
    except sa.exc.OperationalError as failure:
        raise Failure(f"grade-server: cannot reach the database ({_first_line(failure)}).",
                      NO_DATABASE) from None
    finally:
        engine.dispose()
    return bool(count)


def _init(args: argparse.Namespace) -> int:
    """The database and, if it has none yet, its first instructor: what the instructor
    gives is checked first, so that bad input leaves nothing behind."""
    url = args.database or database.url_from_env()
    first = None if _has_instructors(url) else _new_instructor(args.email, args.password_stdin)
    engine = _engine(url)
    _upgrade(engine)
    if first is None:
        print("The database is ready; it has its instructors already "
              "(`grade-server instructor add EMAIL` adds one).")
        return 0
    email = _add_instructor(engine, *first)
    print(f"The database is ready; instructor {email} can sign in.")
    return 0


def _upgrade(engine: sa.Engine) -> None:
    try:
        migrate.upgrade(engine)
    except sa.exc.OperationalError as failure:
        raise Failure(f"grade-server: cannot reach the database ({_first_line(failure)}).",
                      NO_DATABASE) from None


def _ready(engine: sa.Engine) -> None:
    try:
        current = migrate.is_current(engine)
    except sa.exc.OperationalError as failure:
        raise Failure(f"grade-server: cannot reach the database ({_first_line(failure)}).",
                      NO_DATABASE) from None
    if not current:
        raise Failure("grade-server: the database's schema is not current: run "
                      "`grade-server migrate` (or `init` for a new one).", NO_DATABASE)


def _first_line(failure: BaseException) -> str:
    text = str(getattr(failure, "orig", None) or failure).strip()
    return text.splitlines()[0] if text else type(failure).__name__


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "init":
        return _init(args)
    if args.command == "instructor":
        email, password = _new_instructor(args.email, args.password_stdin)
        engine = _engine(args.database)
        _ready(engine)
        print(f"Instructor {_add_instructor(engine, email, password)} added.")
        return 0
    engine = _engine(args.database)
    if args.command == "migrate":
        _upgrade(engine)
        print("The database's schema is current.")
        return 0
    _ready(engine)
    if args.command == "cohort" and args.action in cohort_settings.ACTIONS:
        try:
            print(cohort_settings.apply(engine, args.action, args.name))
        except cohort_settings.NoSuchCohort as missing:
            raise Failure(f"grade-server: {missing}") from None
        return 0
    if args.command == "cohort":
        if not args.instructor:
            raise Failure("grade-server: give the cohort's instructor with --instructor EMAIL.")
        with database.writing(engine) as connection:
            row = connection.execute(sa.select(instructors.c.id).where(
                instructors.c.email == auth.normalise_email(args.instructor))).first()
            if row is None:
                raise Failure(f"grade-server: no instructor {args.instructor}.")
            try:
                _, code = enrolment.create_cohort(connection, int(row.id), args.name)
            except enrolment.BadEnrolment as bad:
                raise Failure(f"grade-server: {bad.reason}") from None
        print(code)
        return 0
    if args.command == "worker":
        return _worker(engine)
    return _serve(engine, args)


def _worker(engine: sa.Engine) -> int:
    from grader.server.worker import run_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    run_forever(engine, stopping)
    return 0


def _serve(engine: sa.Engine, args: argparse.Namespace) -> int:
    """uvicorn's supervisor with N processes (N >= 1): a process that dies, even by
    SIGKILL, is started again while the listening socket stays open."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if not 0 < args.workers <= 64 or not 0 < args.port < 65536:
        raise Failure("grade-server: --workers must be 1-64 and --port 1-65535.")
    os.environ["GRADE_SERVER_DATABASE"] = engine.url.render_as_string(hide_password=False)
    os.environ["GRADE_SERVER_REGRADE"] = "0" if args.no_regrade else "1"
    engine.dispose()
    config = uvicorn.Config("grader.server.app:create_app", factory=True, host=args.host,
                            port=args.port, workers=args.workers, log_level="warning",
                            proxy_headers=args.forwarded_allow_ips is not None,
                            forwarded_allow_ips=args.forwarded_allow_ips,
                            server_header=False, timeout_graceful_shutdown=10)
    try:
        sock = config.bind_socket()
    except SystemExit:
        raise Failure(f"grade-server: cannot listen on {args.host}:{args.port}.") from None
    print(f"grade-server: serving on http://{args.host}:{sock.getsockname()[1]}", flush=True)
    Multiprocess(config, sockets=[sock]).run()
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    os.umask(0o077)  # whatever the server writes (the database's files first) is its own
    try:
        status = run(argv)
    except Failure as failure:
        print(failure.message, file=sys.stderr)
        status = failure.status
    except KeyboardInterrupt:
        status = 130
    sys.exit(status)
