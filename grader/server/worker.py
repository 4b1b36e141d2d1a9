"""Running re-grades: claim a job, rebuild the submission's record, call
`grader.server.regrade.regrade` (imported when the first job runs, so that a web-only
process never loads the simulated account), store the server's verdict beside the
learner's and flag a mismatch. A re-grade that raises fails its job with the error's
text; the worker goes on.

Re-grades run one at a time per process (the simulated account's state is global):
`Worker` is a thread (SQLite: inside the serving process), `run_forever` a process of
its own (`grade-server worker`, PostgreSQL: as many as wanted, on any machine)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grader.server import heartbeats, jobs, progress, standing
from grader.server.database import reading, writing
from grader.server.held_events import HeldEvents
from grader.server.schema import submissions

log = logging.getLogger("grade-server.worker")
RegradeFunction = Callable[..., Any]
_ONE_AT_A_TIME = threading.Lock()
POLL_SECONDS = 0.5


def _real_regrade() -> RegradeFunction:
    from grader.server.regrade import regrade

    return regrade


def mismatch(learner: dict[str, Any], server: dict[str, Any] | None) -> bool:
    """Whether the server's verdict differs: passed or not, or any check's outcome."""
    if server is None:
        return False
    if bool(learner.get("passed")) != bool(server.get("passed")):
        return True

    def outcomes(verdict: dict[str, Any]) -> dict[str, bool]:
        return {str(c.get("id")): bool(c.get("passed")) for c in verdict.get("checks", [])
                if isinstance(c, dict)}

    return outcomes(learner) != outcomes(server)


def run_once(engine: Engine, regrade: RegradeFunction | None = None,
             name: str | None = None) -> bool:
    """Re-grade the next job, if any; whether there was one."""
    now = dt.datetime.now(dt.UTC)
    with writing(engine) as connection:
        for submission_id in jobs.abandoned(connection, now):
            _fail_submission(connection, submission_id,
                             "The re-grade stopped several times without finishing.")
    worker = name or _name()
    job = jobs.claim(engine, worker)
    if job is None:
        return False
    with reading(engine) as connection:
        row = connection.execute(sa.select(submissions)
                                 .where(submissions.c.id == job.submission_id)).one()
    # Read only as far as needed: the worker may hold the account up to an earlier event.
    events: Sequence[Any] = (HeldEvents(engine, row.incarnation_id, row.record_seq)
                             if row.incarnation_id is not None and row.record_seq is not None
                             else [])
    try:
        function = regrade or _real_regrade()
        with _ONE_AT_A_TIME:
            # The account's clock stops where the learner's grading was, but never later
            # than the submission's arrival: a machine's word on its time is only a word.
            outcome = function(exercise=row.exercise, mode=row.mode, account=row.account,
                               events=events, answers=row.answers,
                               graded_at=min(row.graded_at, row.received_at),
                               pause=lambda: jobs.others_waiting(engine, job.id, worker))
        if outcome.status == PAUSED:  # others' jobs go first; this one goes on later
            with writing(engine) as connection:
                jobs.pause(connection, job.id, dt.datetime.now(dt.UTC))
            return True
        status = str(outcome.status)
        verdict = outcome.verdict
        problems = [str(p) for p in outcome.problems]
        why = getattr(outcome, "why", None)
    except Exception as failure:  # a re-grade's failure is the instructor's to see
        text = f"{type(failure).__name__}: {failure}"
        log.warning("re-grade of submission %s failed:\n%s", row.public_id,
                    traceback.format_exc())
        with writing(engine) as connection:
            jobs.finish(connection, job.id, dt.datetime.now(dt.UTC), error=text[:2000])
            _fail_submission(connection, job.submission_id, text[:2000])
        return True
    server_passed = bool(verdict.get("passed")) if isinstance(verdict, dict) else None
    status = status if status in _STATUSES else "unreplayable"
    with writing(engine) as connection:
        connection.execute(submissions.update().where(submissions.c.id == job.submission_id)
                           .values(status=status,
                                   server_verdict=verdict if isinstance(verdict, dict) else None,
                                   server_passed=server_passed if status == "regraded" else None,
                                   standing=standing.after_regrade(
                                       status, server_passed, bool(row.learner_passed), why),
                                   problems=problems,
                                   mismatch=status == "regraded"
                                   and mismatch(row.learner_verdict, verdict)))
        jobs.finish(connection, job.id, dt.datetime.now(dt.UTC))
        progress.update(connection, row.learner_id, row.exercise)
    return True


_STATUSES = ("regraded", "self-reported", "unreplayable")
PAUSED = "paused"  # `regrade.PAUSED`: stopped between steps for others' jobs


def _fail_submission(connection: sa.Connection, submission_id: int, text: str) -> None:
    claimed = connection.execute(sa.select(submissions.c.learner_passed).where(
        submissions.c.id == submission_id)).scalar_one()
    row = connection.execute(
        submissions.update().where(submissions.c.id == submission_id)
        .values(status="failed", problems=[text],
                standing=standing.after_regrade("failed", None, bool(claimed)))
        .returning(submissions.c.learner_id, submissions.c.exercise)).one()
    progress.update(connection, row.learner_id, row.exercise)


def _warm_up(regrade: RegradeFunction | None) -> None:
    """Make the first re-grade as quick as the next (the real re-grade only)."""
    if regrade is not None:
        return
    try:
        from grader.server.regrade import warm_up

        warm_up()
    except Exception:  # a failed warm-up only makes the first re-grade slower
        log.exception("the re-grade worker could not warm up")


def _name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Worker(threading.Thread):
    """The in-process worker thread: re-grades until `stop`; `wake` makes it look now."""

    def __init__(self, engine: Engine, wake: threading.Event,
                 regrade: RegradeFunction | None = None) -> None:
        super().__init__(name="grade-server-regrade", daemon=True)
        self.engine = engine
        self.wake = wake
        self.regrade = regrade
        self.stopping = threading.Event()

    def run(self) -> None:
        # Not warmed up ahead: the serving process would pay for it (seconds of CPU) even
        # when no learner submits; the first re-grade takes it instead.
        pulse = heartbeats.Pulse(self.engine, _name())
        while not self.stopping.is_set():
            pulse()
            try:
                worked = run_once(self.engine, self.regrade)
            except Exception:  # the database went away for a moment: try again later
                log.exception("the re-grade worker could not take a job")
                worked = False
            if not worked:
                self.wake.wait(POLL_SECONDS)
                self.wake.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()


def run_forever(engine: Engine, stopping: threading.Event,
                regrade: RegradeFunction | None = None) -> None:
    """A worker process's loop (`grade-server worker`), until `stopping` is set."""
    _warm_up(regrade)
    log.info("ready: taking re-grades (worker %s)", _name())
    pulse = heartbeats.Pulse(engine, _name())
    while not stopping.is_set():
        pulse()
        try:
            worked = run_once(engine, regrade)
        except Exception:
            log.exception("the re-grade worker could not take a job")
            worked = False
        if not worked:
            stopping.wait(POLL_SECONDS)
