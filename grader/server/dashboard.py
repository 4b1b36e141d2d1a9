"""The dashboard's pages (server-rendered HTML, no JavaScript): instructors sign in with
e-mail and password and see only their own cohorts; learners sign in with their token
(a form, never a URL) and see only their own record.

Every POST form carries the session's CSRF token (`csrf`). A signed-in session is held by
the server (`sessions`): signing out ends it. An instructor's wrong passwords are counted
per (client address, e-mail) and per address in the database (`throttle`): whoever
guesses waits longer and longer, the instructor signing in from their own address does
not; wrong learner tokens are counted per address."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from grader.server import (
    auth,
    csrf,
    enrolment,
    exports,
    heartbeats,
    rate_limits,
    standing,
    views,
)
from grader.server.api import client_address
from grader.server.database import reading, writing
from grader.server.ingest import Ingest
from grader.server.sessions import Sessions
from grader.server.throttle import GUESSES, SIGN_INS, Throttle, guess_key, sign_in_key

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_FORM_BYTES = 16 * 1024
STALLED_CACHE_SECONDS = 5.0


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)


class Forbidden(Exception):
    """A POST without the session's CSRF token."""


class Dashboard:
    def __init__(self, ingest: Ingest, sessions: Sessions) -> None:
        self.engine = ingest.engine
        self.ingest = ingest
        self.sessions = sessions
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        self.templates.env.filters["when"] = _when
        self.templates.env.filters["pretty"] = _pretty
        self.templates.env.globals["standing"] = standing
        self.logins_by_address = rate_limits.Limiter(rate_limits.LOGINS_BY_ADDRESS)
        self.learner_signins = rate_limits.Limiter(rate_limits.LEARNER_SIGNINS)
        self.throttle = Throttle(sessions.clock)
        self._stalled: tuple[float, str | None] = (-1e9, None)  # (when looked, what seen)

    # -- helpers ---------------------------------------------------------------------

    def page(self, request: Request, session: dict[str, Any], name: str,
             status: int = 200, **context: Any) -> Response:
        context.update(csrf=csrf.token(session), signed_in=_who(session))
        if context["signed_in"] == "instructor":
            context.setdefault("regrades_stalled", self._stalled[1])
        response = self.templates.TemplateResponse(request, name, context, status_code=status)
        self.sessions.save(request, response, session)
        return response

    def problem(self, request: Request, session: dict[str, Any], status: int, message: str,
                fix: str = "") -> Response:
        return self.page(request, session, "problem.html", status=status, title=message,
                         message=message, fix=fix)

    async def form(self, request: Request, session: dict[str, Any]) -> dict[str, str]:
        """The POSTed form's fields; `Forbidden` unless it carries the session's token."""
        declared = request.headers.get("content-length", "")
        if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
            raise Forbidden("The form is missing or too large.")
        data = await request.form(max_files=0, max_fields=20, max_part_size=MAX_FORM_BYTES)
        fields = {k: v for k, v in data.items() if isinstance(v, str)}
        if not csrf.valid(session, fields.get(csrf.FIELD)):
            raise Forbidden("The form's security token is missing or stale.")
        return fields

    def look_for_stalled_regrades(self) -> None:
        """Note "N re-grades waiting; no worker has been seen for X" (or nothing) for the
        instructors' pages: looked up at most every few seconds per process."""
        moment = time.monotonic()
        if moment - self._stalled[0] < STALLED_CACHE_SECONDS:
            return
        with reading(self.engine) as connection:
            problem = heartbeats.stalled(connection, self.sessions.clock())
        self._stalled = (moment, str(problem) if problem else None)

    def too_many(self, request: Request, session: dict[str, Any], wait: float,
                 message: str = "Too many sign-in attempts.") -> Response:
        seconds = int(wait) + 1
        response = self.problem(request, session, 429, message,
                                f"Wait {seconds} seconds and try again.")
        response.headers["Retry-After"] = str(seconds)
        return response

    def forbidden(self, request: Request, session: dict[str, Any]) -> Response:
        return self.problem(request, session, 403, "This form has expired or did not come "
                            "from this site.", "Go back, reload the page and send it again.")

    async def _instructor(self, request: Request) -> tuple[dict[str, Any], int | None]:
        session = await self.sessions.load(request)
        who = session.get("instructor")
        if not isinstance(who, int):
            return session, None
        await run_in_threadpool(self.look_for_stalled_regrades)
        return session, who

    # -- signing in --------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        session = await self.sessions.load(request)
        if isinstance(session.get("instructor"), int):
            return RedirectResponse("/cohorts", 303)
        if isinstance(session.get("learner"), int):
            return RedirectResponse("/me", 303)
        return RedirectResponse("/login", 303)

    async def login_form(self, request: Request) -> Response:
        return self.page(request, await self.sessions.load(request), "login.html",
                         title="Instructors: sign in")

    async def login(self, request: Request) -> Response:
        session = await self.sessions.load(request)
        try:
            fields = await self.form(request, session)
        except Forbidden:
            return self.forbidden(request, session)
        email = auth.normalise_email(fields.get("email", ""))[:254]
        address = client_address(request)
        wait = self.logins_by_address.take(address)
        if wait:
            return self.too_many(request, session, wait)
        pair, anyone = sign_in_key(address, email), guess_key("sign-in", address)

        def check() -> tuple[float, int | None]:
            # Counted as a failure before the password is checked (so that parallel tries
            # get no more than the free ones), taken back if it was right: per (address,
            # e-mail), and per address whatever the e-mail (one password tried on many).
            with writing(self.engine) as connection:
                waiting = max(self.throttle.waiting(connection, pair, SIGN_INS),
                              self.throttle.waiting(connection, anyone, GUESSES))
                if waiting:
                    return waiting, None
                self.throttle.fail(connection, pair, SIGN_INS)
                self.throttle.fail(connection, anyone, GUESSES)
            with reading(self.engine) as connection:
                found = auth.check_password(connection, email,
                                            fields.get("password", "")[:1024])
            if found is not None:
                with writing(self.engine) as connection:
                    self.throttle.forgive(connection, pair, everything=True)
                    self.throttle.forgive(connection, anyone)
            return 0.0, found

        wait, who = await run_in_threadpool(check)
        if wait:
            return self.too_many(request, session, wait)
        if who is None:
            return self.page(request, session, "login.html", status=401,
                             title="Instructors: sign in", email=email,
                             error="That e-mail and password do not match an instructor.")
        fresh = await self.sessions.start(instructor=who)  # a new session and CSRF token
        response = RedirectResponse("/cohorts", 303)
        csrf.token(fresh)
        self.sessions.save(request, response, fresh)
        return response

    async def logout(self, request: Request) -> Response:
        session = await self.sessions.load(request)
        try:
            await self.form(request, session)
        except Forbidden:
            return self.forbidden(request, session)
        await self.sessions.end(session)  # the cookie, copied or not, signs nobody in now
        response = RedirectResponse("/login", 303)
        self.sessions.clear(response)
        return response

    # -- instructors' pages ------------------------------------------------------------

    async def cohorts(self, request: Request) -> Response:
        session, who = await self._instructor(request)
        if who is None:
            return RedirectResponse("/login", 303)

        def load() -> list[Any]:
            with reading(self.engine) as connection:
                return views.own_cohorts(connection, who)

        return self.page(request, session, "cohorts.html", title="Your cohorts",
                         cohorts=await run_in_threadpool(load))

    async def create_cohort(self, request: Request) -> Response:
        session, who = await self._instructor(request)
        try:
            fields = await self.form(request, session)
        except Forbidden:
            return self.forbidden(request, session)
        if who is None:
            return RedirectResponse("/login", 303)

        def create() -> int:
            with writing(self.engine) as connection:
                return enrolment.create_cohort(connection, who, fields.get("name", ""))[0]

        try:
            new_id = await run_in_threadpool(create)
        except enrolment.BadEnrolment as bad:
            return self.problem(request, session, 400, bad.reason, bad.fix)
        return RedirectResponse(f"/cohorts/{new_id}?created=1", 303)

    async def _own_cohort(self, request: Request) -> tuple[dict[str, Any], Any] | Response:
        """(session, cohort) when the cohort in the path is the signed-in instructor's; else
        the answer to give instead: sign in first, or no such page."""
        session, who = await self._instructor(request)
        if who is None:
            return RedirectResponse("/login", 303)
        cohort_id = request.path_params["cohort"]

        def load() -> Any:
            with reading(self.engine) as connection:
                return views.own_cohort(connection, who, cohort_id)

        cohort = await run_in_threadpool(load)
        if cohort is None:
            return self._not_found(request, session)
        return session, cohort

    def _not_found(self, request: Request, session: dict[str, Any]) -> Response:
        return self.problem(request, session, 404, "There is no such page among yours.",
                            "Go back to your cohorts.")

    async def cohort(self, request: Request) -> Response:
        owned = await self._own_cohort(request)
        if isinstance(owned, Response):
            return owned
        session, cohort = owned
        search = request.query_params.get("q", "")[:100]
        sort = request.query_params.get("sort", "name")
        sort = sort if sort in views.SORTS else "name"
        page_text = request.query_params.get("page", "1")
        page = int(page_text) if page_text.isdigit() and len(page_text) < 7 else 1

        def load() -> views.Grid:
            with reading(self.engine) as connection:
                return views.grid(connection, cohort.id, search, sort, page)

        grid = await run_in_threadpool(load)

        def link(**changes: Any) -> str:
            query = {"q": search, "sort": sort, "page": grid.page, **changes}
            return f"/cohorts/{cohort.id}?" + urlencode({k: v for k, v in query.items() if v})

        return self.page(request, session, "cohort.html", title=cohort.name,
                         cohort=cohort, grid=grid, search=search, sort=sort,
                         sorts=views.SORTS, exercises=views.exercises(), link=link,
                         created=request.query_params.get("created") == "1")

    async def learner(self, request: Request) -> Response:
        owned = await self._own_cohort(request)
        if isinstance(owned, Response):
            return owned
        session, cohort = owned

        def load() -> Any:
            with reading(self.engine) as connection:
                person = views.learner_in_cohort(connection, cohort.id,
                                                 request.path_params["learner"])
                if person is None:
                    return None
                return person, views.attempts(connection, person.id), \
                    views.learner_incidents(connection, person.id), \
                    views.cells_of(connection, person.id)

        found = await run_in_threadpool(load)
        if found is None:
            return self._not_found(request, session)
        person, tries, incidents, cells = found
        return self.page(request, session, "learner.html", title=f"{person.name}",
                         person=person, attempts=tries, incidents=incidents, cohort=cohort,
                         cells=cells, accept_live=bool(cohort.accept_live),
                         exercises=views.exercises(), sides=views.checks_side_by_side)

    async def exercise(self, request: Request) -> Response:
        owned = await self._own_cohort(request)
        if isinstance(owned, Response):
            return owned
        session, cohort = owned
        exercise = request.path_params["exercise"]
        titles = dict(views.exercises())
        if exercise not in titles:
            return self._not_found(request, session)

        def load() -> Any:
            with reading(self.engine) as connection:
                return (*views.most_failed(connection, cohort.id, exercise),
                        views.exercise_states(connection, cohort.id, exercise))

        failing, read, states = await run_in_threadpool(load)
        return self.page(request, session, "exercise.html", title=f"{exercise} in {cohort.name}",
                         cohort=cohort, exercise=exercise, exercise_title=titles[exercise],
                         failing=failing, read=read, states=states)

    async def grid_csv(self, request: Request) -> Response:
        owned = await self._own_cohort(request)
        if isinstance(owned, Response):
            return owned
        _, cohort = owned

        def load() -> str:
            with reading(self.engine) as connection:
                return exports.grid_csv(views.grid(connection, cohort.id, page_size=None))

        text = await run_in_threadpool(load)
        name = f"cohort-{cohort.id}.csv"
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def gradescope(self, request: Request) -> Response:
        owned = await self._own_cohort(request)
        if isinstance(owned, Response):
            return owned
        session, cohort = owned

        def load() -> Any:
            with reading(self.engine) as connection:
                person = views.learner_in_cohort(connection, cohort.id,
                                                 request.path_params["learner"])
                if person is None:
                    return None
                return exports.gradescope(views.cells_of(connection, person.id),
                                          int(person.incident_count), bool(cohort.accept_live))

        document = await run_in_threadpool(load)
        if document is None:
            return self._not_found(request, session)
        return JSONResponse(document, headers={
            "Content-Disposition": 'attachment; filename="results.json"'})


def _who(session: dict[str, Any]) -> str | None:
    if isinstance(session.get("instructor"), int):
        return "instructor"
    if isinstance(session.get("learner"), int):
        return "learner"
    return None
