"""The learner's HTTP API (what `grade join/submit/leave` call): JSON in, JSON out;
every error is `{"error": ..., "fix": ...}` with a 4xx status.

Joins are limited per client address (a flood, in memory; wrong enrolment codes, in the
database: `throttle.GUESSES`) and per enrolment code (`enrolment.JOINS_PER_CODE`), so that
a class behind one address joins in a minute while nobody floods a code or guesses one."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import sqlalchemy as sa
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from grader.progress.submission import MAX_SENT_BYTES, SIGNATURE_HEADER
from grader.server import enrolment, progress, rate_limits, standing
from grader.server.database import reading, writing
from grader.server.ingest import UNKNOWN_TOKEN, Answer, Ingest, error
from grader.server.schema import incidents, submissions
from grader.server.throttle import GUESSES, Throttle, guess_key

MAX_JOIN_BYTES = 4096


def respond(answer: Answer) -> JSONResponse:
    headers = {}
    if answer.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(answer.retry_after)))
    return JSONResponse(answer.document, status_code=answer.status, headers=headers)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None once it passes `limit` bytes (read no further)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class Api:
    def __init__(self, ingest: Ingest, throttle: Throttle | None = None) -> None:
        self.ingest = ingest
        self.engine = ingest.engine
        self.throttle = throttle or Throttle()
        self.joins = rate_limits.Limiter(rate_limits.JOINS)
        self.submits = rate_limits.Limiter(rate_limits.SUBMISSIONS)

    async def join(self, request: Request) -> Response:
        address = client_address(request)
        wait = self.joins.take(address)
        if wait:
            return respond(Answer(429, {"error": "Too many joins from this address.",
                                        "fix": "Wait a minute and try again."}, wait))
        body = await read_body(request, MAX_JOIN_BYTES)
        if body is None:
            return respond(error(413, "The request is too large.", "Send {code, name}."))
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            document = None
        if not isinstance(document, dict):
            return respond(error(400, "The body is not a JSON object.",
                                 'Send {"code": "...", "name": "..."}.'))

        key = guess_key("join-code", address)

        def work() -> Answer:
            with writing(self.engine) as connection:
                waiting = self.throttle.waiting(connection, key, GUESSES)
                if waiting:
                    return Answer(429, {"error": "Too many wrong enrolment codes from this "
                                                 "address.",
                                        "fix": "Check the code with your instructor, then "
                                               "wait and try again."}, waiting)
                try:
                    joined = enrolment.join(connection, document.get("code"),
                                            document.get("name"), self.throttle.clock(),
                                            limited=True)
                except enrolment.BadEnrolment as bad:
                    if bad.status == 404:  # a wrong code: a guess, as far as anyone knows
                        self.throttle.fail(connection, key, GUESSES)
                    return Answer(bad.status, {"error": bad.reason, "fix": bad.fix},
                                  bad.retry_after)
            return Answer(201, {"learner": joined.learner, "token": joined.token,
                                "cohort": joined.cohort})

        return respond(await run_in_threadpool(work))

    async def submit(self, request: Request) -> Response:
        """An unknown token is refused before the body is read; a token this process knows
        costs no database read here (its write checks that the learner is enrolled)."""
        token = bearer(request)
        learner = self.ingest.known(token)
        if learner is None:
            learner = await run_in_threadpool(self.ingest.learner, token)
        if learner is None or token is None:
            return respond(error(401, *UNKNOWN_TOKEN))
        wait = self.submits.take(str(learner.id))
        if wait:
            return respond(Answer(429, {"error": "Too many submissions in a row.",
                                        "fix": "grade retries by itself later."}, wait))
        body = await read_body(request, MAX_SENT_BYTES)
        if body is None:
            return respond(error(413, f"The submission is larger than {MAX_SENT_BYTES} bytes.",
                                 "`grade sandbox reset` starts a smaller record."))
        signature = request.headers.get(SIGNATURE_HEADER)
        return respond(await self.ingest.take_async(learner, token, body, signature))

    async def me(self, request: Request) -> Response:
        token = bearer(request)
        learner = await run_in_threadpool(self.ingest.learner, token)
        if learner is None:
            return respond(error(401, *UNKNOWN_TOKEN))
        document = await run_in_threadpool(own_record, self.engine, learner)
        return JSONResponse(document)

    async def leave(self, request: Request) -> Response:
        token = bearer(request)
        learner = await run_in_threadpool(self.ingest.learner, token)
        if learner is None:
            return respond(error(401, *UNKNOWN_TOKEN))

        def work() -> None:
            with writing(self.engine) as connection:
                enrolment.leave(connection, learner.id)

        await run_in_threadpool(work)
        return Response(status_code=204)


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def own_record(engine: sa.Engine, learner: Any) -> dict[str, Any]:
    """What a learner may see of themselves: every submission, both verdicts, flags, and
    whether it counts (`standing`)."""
    with reading(engine) as connection:
        rows = connection.execute(
            sa.select(submissions).where(submissions.c.learner_id == learner.id)
            .order_by(submissions.c.received_at, submissions.c.id)).all()
        accept_live = progress.accepts_live(connection, learner.cohort_id)
        refused = connection.execute(
            sa.select(incidents.c.kind, incidents.c.account_id, incidents.c.seq, incidents.c.at)
            .where(incidents.c.learner_id == learner.id).order_by(incidents.c.at)).all()
    return {
        "learner": learner.public_id, "name": learner.name,
        "submissions": [{
            "id": r.public_id, "exercise": r.exercise, "mode": r.mode,
            "gradedAt": _iso(r.graded_at), "receivedAt": _iso(r.received_at),
            "status": r.status, "passed": r.learner_passed, "serverPassed": r.server_passed,
            "standing": r.standing, "counts": standing.counts(r.standing, accept_live),
            "verdict": r.learner_verdict, "serverVerdict": r.server_verdict,
            "problems": r.problems or [], "mismatch": r.mismatch, "flags": r.flags,
        } for r in rows],
        "incidents": [{"kind": i.kind, "accountId": i.account_id, "seq": i.seq,
                       "at": _iso(i.at)} for i in refused],
    }
