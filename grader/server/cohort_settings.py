"""A cohort's settings, as `grade-server cohort ACTION CODE` changes them: whether live
gradings count (`accept-live`) or only the passes the server verified (`verified-only`,
the default). See `grader.server.standing` for what each means."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from grader.server import progress
from grader.server.database import writing
from grader.server.schema import cohorts

ACCEPT_LIVE = "accept-live"
VERIFIED_ONLY = "verified-only"
ACTIONS = (ACCEPT_LIVE, VERIFIED_ONLY)


class NoSuchCohort(LookupError):
    """No cohort has the enrolment code given."""


def apply(engine: Engine, action: str, code: str) -> str:
    """Do `action` to the cohort whose enrolment code is `code`; what was done, in words."""
    accept = action == ACCEPT_LIVE
    with writing(engine) as connection:
        cohort = connection.execute(sa.select(cohorts.c.id, cohorts.c.name, cohorts.c.code)
                                    .where(cohorts.c.code == code.strip().upper())).first()
        if cohort is None:
            raise NoSuchCohort(f"no cohort has the enrolment code {code!r}.")
        recomputed = progress.set_accept_live(connection, int(cohort.id), accept)
    now = ("live gradings count as passes, shown as “self-reported (live)”" if accept
           else "only the passes the server verified count; live gradings are "
                "self-reported and not counted")
    return (f"Cohort “{cohort.name}” ({cohort.code}): {now}. "
            f"{recomputed} learner{'' if recomputed == 1 else 's'} with live passes updated.")
