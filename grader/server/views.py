"""What the dashboard's pages show, read from the database: an instructor's cohorts, a
cohort's grid (one page of learners, then their summary rows), a learner's attempts,
an exercise's most failed checks. Every query is parameterised (SQLAlchemy Core)."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from grader.server import standing
from grader.server.schema import cohorts, incidents, learners, progress, submissions

PAGE_SIZE = 50
SORTS = {"name": "name", "progress": "progress", "activity": "last activity"}


@functools.cache
def exercises() -> tuple[tuple[str, str], ...]:
    """(id, title) of the course's exercises, in order."""
    from grader.course.exercises import all_exercises

    return tuple((e.id, e.title) for e in all_exercises())


def own_cohorts(connection: Connection, instructor_id: int) -> list[Any]:
    counted = (sa.select(sa.func.count()).where(learners.c.cohort_id == cohorts.c.id)
               .scalar_subquery())
    return list(connection.execute(
        sa.select(cohorts.c.id, cohorts.c.name, cohorts.c.code, cohorts.c.open,
                  cohorts.c.created_at, counted.label("learners"))
        .where(cohorts.c.instructor_id == instructor_id).order_by(cohorts.c.id)).all())


def own_cohort(connection: Connection, instructor_id: int, cohort_id: int) -> Any:
    """The cohort when it is this instructor's (None otherwise: the page answers 404)."""
    return connection.execute(sa.select(cohorts).where(
        cohorts.c.id == cohort_id, cohorts.c.instructor_id == instructor_id)).first()


@dataclass(frozen=True)
class Grid:
    rows: list[tuple[Any, dict[str, Any]]]  # (learner row, {exercise: progress row})
    total: int
    page: int
    pages: int


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def grid(connection: Connection, cohort_id: int, search: str = "", sort: str = "name",
         page: int = 1, page_size: int | None = PAGE_SIZE) -> Grid:
    """One page of the cohort's learner x exercise grid (every learner: page_size None)."""
    where = [learners.c.cohort_id == cohort_id]
    if search:
        where.append(learners.c.name.ilike(f"%{_escape_like(search)}%", escape="\\"))
    total = int(connection.execute(sa.select(sa.func.count()).select_from(learners)
                                   .where(*where)).scalar_one())
    order: list[Any] = {
        "progress": [learners.c.passed_count.desc(), learners.c.name],
        "activity": [learners.c.last_activity.desc().nulls_last(), learners.c.name],
    }.get(sort, [learners.c.name])
    query = sa.select(learners).where(*where).order_by(*order, learners.c.id)
    pages = 1
    if page_size:
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        query = query.limit(page_size).offset((page - 1) * page_size)
    people = connection.execute(query).all()
    cells: dict[int, dict[str, Any]] = {p.id: {} for p in people}
    if people:
        for row in connection.execute(sa.select(progress).where(
                progress.c.learner_id.in_(list(cells)))):
            cells[row.learner_id][row.exercise] = row
    return Grid([(p, cells[p.id]) for p in people], total, page, pages)


def cells_of(connection: Connection, learner_id: int) -> dict[str, Any]:
    """{exercise: progress row} of one learner."""
    return {row.exercise: row for row in connection.execute(
        sa.select(progress).where(progress.c.learner_id == learner_id))}


def learner_by_id(connection: Connection, learner_id: int) -> Any:
    """A learner who has not left (None otherwise)."""
    return connection.execute(sa.select(learners).where(
        learners.c.id == learner_id, learners.c.revoked.is_(False))).first()


def learner_in_cohort(connection: Connection, cohort_id: int, public_id: str) -> Any:
    return connection.execute(sa.select(learners).where(
        learners.c.cohort_id == cohort_id, learners.c.public_id == public_id)).first()


def attempts(connection: Connection, learner_id: int) -> list[Any]:
    return list(connection.execute(
        sa.select(submissions).where(submissions.c.learner_id == learner_id)
        .order_by(submissions.c.received_at.desc(), submissions.c.id.desc())).all())


def learner_incidents(connection: Connection, learner_id: int) -> list[Any]:
    return list(connection.execute(sa.select(incidents).where(
        incidents.c.learner_id == learner_id).order_by(incidents.c.at.desc())).all())


def checks_side_by_side(row: Any) -> list[dict[str, Any]]:
    """The attempt's checks: what the learner saw, and the server's outcome beside it."""
    server = {str(c.get("id")): c for c in (row.server_verdict or {}).get("checks", [])
              if isinstance(c, dict)}
    lines = []
    for check in row.learner_verdict.get("checks", []):
        if not isinstance(check, dict):
            continue
        theirs = server.pop(str(check.get("id")), None)
        lines.append({"id": str(check.get("id", "")), "title": str(check.get("title", "")),
                      "passed": bool(check.get("passed")),
                      "message": str(check.get("message") or ""),
                      "server": None if theirs is None else bool(theirs.get("passed")),
                      "server_message": "" if theirs is None else str(theirs.get("message") or "")})
    for check in server.values():
        lines.append({"id": str(check.get("id", "")), "title": str(check.get("title", "")),
                      "passed": None, "message": "(not in the learner's verdict)",
                      "server": bool(check.get("passed")),
                      "server_message": str(check.get("message") or "")})
    return lines


def exercise_states(connection: Connection, cohort_id: int, exercise: str,
                    ) -> list[tuple[str, int]]:
    """(state in words, learners) for the cohort's learners at `exercise`, in the grid's
    order of states (best first), then those who have not started it."""
    rows: dict[str, int] = dict(connection.execute(
        sa.select(progress.c.state, sa.func.count())
        .join(learners, learners.c.id == progress.c.learner_id)
        .where(learners.c.cohort_id == cohort_id, progress.c.exercise == exercise)
        .group_by(progress.c.state)).tuples().all())
    everyone = int(connection.execute(sa.select(sa.func.count()).select_from(learners).where(
        learners.c.cohort_id == cohort_id)).scalar_one())
    states = sorted(standing.RANK, key=standing.RANK.__getitem__, reverse=True)
    found = [(standing.WORDS[s], int(rows.get(s, 0))) for s in states]
    return [*found, (standing.WORDS[None], everyone - sum(n for _, n in found))]


def most_failed(connection: Connection, cohort_id: int, exercise: str,
                limit: int = 5000) -> tuple[list[tuple[str, str, int, int]], int]:
    """([(check id, title, attempts failing it, learners failing it)], attempts read),
    most failed first, from the cohort's latest `limit` attempts at `exercise`."""
    rows = connection.execute(
        sa.select(submissions.c.learner_id, submissions.c.learner_verdict,
                  submissions.c.server_verdict, submissions.c.status)
        .join(learners, learners.c.id == submissions.c.learner_id)
        .where(learners.c.cohort_id == cohort_id, submissions.c.exercise == exercise)
        .order_by(submissions.c.id.desc()).limit(limit)).all()
    failing: Counter[str] = Counter()
    who: dict[str, set[int]] = {}
    titles: dict[str, str] = {}
    for row in rows:
        verdict = row.server_verdict if row.status == "regraded" and row.server_verdict \
            else row.learner_verdict
        for check in verdict.get("checks", []):
            if isinstance(check, dict) and check.get("passed") is False:
                key = str(check.get("id"))
                failing[key] += 1
                who.setdefault(key, set()).add(row.learner_id)
                titles.setdefault(key, str(check.get("title", key)))
    ranked = [(key, titles[key], n, len(who[key])) for key, n in failing.most_common()]
    return ranked, len(rows)
