"""The ASGI app: the learner's API (`api`), the dashboard (`dashboard`), the static
stylesheet, a health check, and (SQLite, unless GRADE_SERVER_REGRADE=0) the in-process
re-grade worker. Configured from the environment, so that every process uvicorn starts
builds the same app: GRADE_SERVER_DATABASE (default `database.default_url()`) and
GRADE_SERVER_REGRADE (`0`: a web-only process)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.server import heartbeats, migrate
from grader.server.api import Api
from grader.server.dashboard import Dashboard
from grader.server.database import UnsafeDatabase, connect, is_sqlite, reading, url_from_env
from grader.server.ingest import Ingest
from grader.server.learner_pages import LearnerPages
from grader.server.sessions import Sessions, secret_key
from grader.server.worker import Worker

STATIC = Path(__file__).resolve().parent / "static"
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy",
     b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
     b"frame-ancestors 'none'; base-uri 'none'"),
    (b"cache-control", b"no-store"),
]
log = logging.getLogger("grade-server")
WATCH_SECONDS = 30.0  # how often a web-only process looks for stalled re-grades
LOG_EVERY = dt.timedelta(minutes=5)  # and says so again while they stay stalled


class SecurityHeaders:
    """Adds the same security headers to every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
            await send(message)

        await self.app(scope, receive, sending)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = {404: "There is no such page.", 405: "This method is not allowed here."}.get(
        status, "The request could not be served.")
    if _is_api(request):
        return JSONResponse({"error": message, "fix": "Check the address and method "
                                                      "(update grade if it is current)."},
                            status_code=status)
    return HTMLResponse(f"<!doctype html><html lang=en><title>{status}</title>"
                        f"<main><h1>{message}</h1><p><a href=/>Home</a></p></main>",
                        status_code=status)


async def _crash(request: Request, exc: Exception) -> Response:
    if _is_api(request):
        return JSONResponse({"error": "The server failed to take this request.",
                             "fix": "grade retries later; tell your instructor if it lasts."},
                            status_code=500)
    return HTMLResponse("<!doctype html><html lang=en><title>Server error</title><main>"
                        "<h1>The server failed to answer.</h1></main>", status_code=500)


def _log_to_stderr() -> None:
    """The server's own warnings on standard error (uvicorn's processes configure only
    uvicorn's loggers)."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s grade-server: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


async def _watch_regrades(engine: Any) -> None:
    """In a process that does not re-grade: say in the log when re-grades wait and no
    worker has been seen (at once, then every `LOG_EVERY` while it lasts)."""
    said: dt.datetime | None = None
    while True:
        now = dt.datetime.now(dt.UTC)

        def look(moment: dt.datetime = now) -> heartbeats.Stalled | None:
            with reading(engine) as connection:
                return heartbeats.stalled(connection, moment)

        try:
            problem = await asyncio.to_thread(look)
        except Exception:  # the database went away for a moment: look again later
            log.warning("could not look at the re-grade queue", exc_info=True)
            problem = None
        if problem is None:
            said = None
        elif said is None or now - said >= LOG_EVERY:
            log.warning("%s", problem)
            said = now
        await asyncio.sleep(WATCH_SECONDS)


def create_app(database_url: str | None = None, regrade: bool | None = None) -> Starlette:
    """The app for `database_url` (default: the environment's)."""
    _log_to_stderr()
    try:
        engine = connect(database_url or url_from_env())
    except UnsafeDatabase as unsafe:
        raise SystemExit(f"grade-server: {unsafe}.") from None
    if not migrate.is_current(engine):
        raise SystemExit("The database's schema is not current: run `grade-server migrate`.")
    ingest = Ingest(engine)
    sessions = Sessions(engine, secret_key(engine))
    api = Api(ingest)
    dashboard = Dashboard(ingest, sessions)
    run_worker = (os.environ.get("GRADE_SERVER_REGRADE", "1") != "0"
                  if regrade is None else regrade) and is_sqlite(engine)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        worker = Worker(engine, ingest.queued) if run_worker else None
        if worker:
            worker.start()
        watching = None if run_worker else asyncio.create_task(_watch_regrades(engine))
        try:
            yield
        finally:
            if watching:
                watching.cancel()
            if worker:
                worker.stop()
                worker.join(timeout=30)
            engine.dispose()

    async def health(_request: Request) -> Response:
        return JSONResponse({"ok": True, "pid": os.getpid()})

    learner_pages = LearnerPages(dashboard)
    routes: list[Any] = [
        Route("/api/join", api.join, methods=["POST"]),
        Route("/api/submissions", api.submit, methods=["POST"]),
        Route("/api/me", api.me, methods=["GET"]),
        Route("/api/leave", api.leave, methods=["POST"]),
        Route("/healthz", health, methods=["GET"]),
        Route("/", dashboard.home, methods=["GET"]),
        Route("/login", dashboard.login_form, methods=["GET"]),
        Route("/login", dashboard.login, methods=["POST"]),
        Route("/logout", dashboard.logout, methods=["POST"]),
        Route("/learner", learner_pages.learner_form, methods=["GET"]),
        Route("/learner", learner_pages.learner_signin, methods=["POST"]),
        Route("/me", learner_pages.me, methods=["GET"]),
        Route("/cohorts", dashboard.cohorts, methods=["GET"]),
        Route("/cohorts", dashboard.create_cohort, methods=["POST"]),
        Route("/cohorts/{cohort:int}", dashboard.cohort, methods=["GET"]),
        Route("/cohorts/{cohort:int}/grid.csv", dashboard.grid_csv, methods=["GET"]),
        Route("/cohorts/{cohort:int}/learners/{learner}", dashboard.learner, methods=["GET"]),
        Route("/cohorts/{cohort:int}/learners/{learner}/results.json", dashboard.gradescope,
              methods=["GET"]),
        Route("/cohorts/{cohort:int}/exercises/{exercise}", dashboard.exercise,
              methods=["GET"]),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error, Exception: _crash})
    app.state.engine = engine
    app.state.ingest = ingest
    app.add_middleware(SecurityHeaders)
    return app
