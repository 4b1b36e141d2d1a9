"""Exports: the cohort's grid as CSV, and a learner's results in Gradescope's
autograder format (`results.json`: score, tests[name, score, max_score, status, output]).

CSV cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) get a leading apostrophe: a learner's name is theirs to choose.

Both count and name passes as the grid does (`grader.server.standing`): a pass counts
when the server verified it, or when it is a live one and the cohort accepts them."""

from __future__ import annotations

import csv
import io
from typing import Any

from grader.server import standing
from grader.server.views import Grid, exercises

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def grid_csv(grid: Grid) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    ids = [e for e, _ in exercises()]
    writer.writerow(["learner", "name", "passed", "last activity",
                     *[f"{e} {what}" for e in ids for what in ("status", "attempts", "flags")]])
    for person, cells in grid.rows:
        row = [person.public_id, person.name, person.passed_count,
               person.last_activity.isoformat() if person.last_activity else ""]
        for exercise in ids:
            cell = cells.get(exercise)
            row += [standing.cell_words(cell), cell.attempts if cell else 0, _marks(cell)]
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def _marks(cell: Any) -> str:
    if cell is None:
        return ""
    marks = []
    if cell.mismatches:
        marks.append(f"mismatch x{cell.mismatches}")
    if cell.flagged:
        marks.append(f"flagged x{cell.flagged}")
    if cell.pending and cell.state != standing.WAITING:
        marks.append("re-grade pending")
    if standing.also_self_reported(cell):
        marks.append(f"a pass not counted: self-reported ({standing.also_self_reported(cell)})")
    return "; ".join(marks)


def gradescope(cells: dict[str, Any], incidents: int, accept_live: bool) -> dict[str, Any]:
    """One learner's results.json: a test per exercise, 1 point when its pass counts."""
    tests = []
    for number, (exercise, title) in enumerate(exercises(), start=1):
        cell = cells.get(exercise)
        passed = bool(cell and cell.passed)
        output = standing.cell_words(cell)
        if cell is not None:
            output += f" after {cell.attempts} attempt(s)"
            if _marks(cell):
                output += f" ({_marks(cell)})"
        tests.append({"name": f"{exercise}: {title}", "number": str(number),
                      "score": 1.0 if passed else 0.0, "max_score": 1.0,
                      "status": "passed" if passed else "failed", "output": output})
    summary = "Passes re-graded and verified by the course's progress server"
    summary += (" and live gradings (self-reported: this cohort accepts them) count."
                if accept_live else " count; self-reported ones do not.")
    if incidents:
        summary += f" {incidents} refused submission(s) rewrote the record: see the dashboard."
    return {"score": sum(t["score"] for t in tests), "output": summary, "tests": tests}
