"""A learner's own pages on the instructor's server: signing in with their token (`/learner`,
limited per address and slowed after wrong tokens, as the instructors' sign-in is), and
their record (`/me`): every attempt with both verdicts, and what was flagged."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from grader.server import csrf, progress, views
from grader.server.api import client_address
from grader.server.dashboard import Dashboard, Forbidden
from grader.server.database import reading, writing
from grader.server.throttle import GUESSES, guess_key


class LearnerPages:
    """The learner's pages, drawn by the dashboard's templates and sessions."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard

    async def learner_form(self, request: Request) -> Response:
        d = self.dashboard
        return d.page(request, await d.sessions.load(request), "learner_signin.html",
                      title="Learners: see your record")

    async def learner_signin(self, request: Request) -> Response:
        d = self.dashboard
        session = await d.sessions.load(request)
        try:
            fields = await d.form(request, session)
        except Forbidden:
            return d.forbidden(request, session)
        address = client_address(request)
        wait = d.learner_signins.take(address)
        if wait:
            return d.too_many(request, session, wait)
        key = guess_key("learner-token", address)

        def check() -> tuple[float, Any]:
            with writing(d.engine) as connection:
                waiting = d.throttle.check_and_count(connection, key, GUESSES)
            if waiting:
                return waiting, None
            found = d.ingest.learner(fields.get("token", "").strip()[:200])
            if found is not None:
                with writing(d.engine) as connection:
                    d.throttle.forgive(connection, key)  # only wrong tokens count
            return 0.0, found

        wait, learner = await run_in_threadpool(check)
        if wait:
            return d.too_many(request, session, wait)
        if learner is None:
            return d.page(request, session, "learner_signin.html", status=401,
                          title="Learners: see your record",
                          error="That token is unknown or was revoked.")
        fresh = await d.sessions.start(learner=int(learner.id))
        csrf.token(fresh)
        response = RedirectResponse("/me", 303)
        d.sessions.save(request, response, fresh)
        return response

    async def me(self, request: Request) -> Response:
        d = self.dashboard
        session = await d.sessions.load(request)
        who = session.get("learner")
        if not isinstance(who, int):
            return RedirectResponse("/learner", 303)

        def load() -> Any:
            with reading(d.engine) as connection:
                person = views.learner_by_id(connection, who)
                if person is None:
                    return None
                return person, views.attempts(connection, who), \
                    views.learner_incidents(connection, who), views.cells_of(connection, who), \
                    progress.accepts_live(connection, person.cohort_id)

        found = await run_in_threadpool(load)
        if found is None:
            return RedirectResponse("/learner", 303)
        person, tries, incidents, cells, accept_live = found
        return d.page(request, session, "learner.html", title=f"Your record: {person.name}",
                      person=person, attempts=tries, incidents=incidents, cohort=None,
                      cells=cells, accept_live=accept_live, exercises=views.exercises(),
                      sides=views.checks_side_by_side)
