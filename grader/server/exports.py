"""Exports: the cohort's grid as CSV, and a learner's results in Gradescope's
autograder format (`results.json`: score, tests[name, score, max_score, status, output]).

CSV cells that a spreadsheet would read as a formula (starting with = + - @, a tab or a
carriage return) get a leading apostrophe: a learner's name is theirs to choose."""

from __future__ import annotations

import csv
import io
from typing import Any

from grader.server.views import Grid, cell_status, exercises

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
            row += [cell_status(cell), cell.attempts if cell else 0, _marks(cell)]
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
    if cell.pending:
        marks.append("re-grade pending")
    if cell.unverified:
        marks.append("not verified")
    return "; ".join(marks)


def gradescope(cells: dict[str, Any], incidents: int) -> dict[str, Any]:
    """One learner's results.json: a test per exercise, 1 point when passed."""
    tests = []
    for number, (exercise, title) in enumerate(exercises(), start=1):
        cell = cells.get(exercise)
        passed = bool(cell and cell.passed)
        output = f"{cell_status(cell)}"
        if cell is not None:
            output += f" after {cell.attempts} attempt(s)"
            if _marks(cell):
                output += f" ({_marks(cell)})"
        tests.append({"name": f"{exercise}: {title}", "number": str(number),
                      "score": 1.0 if passed else 0.0, "max_score": 1.0,
                      "status": "passed" if passed else "failed", "output": output})
    summary = "Re-graded by the course's progress server."
    if incidents:
        summary += f" {incidents} refused submission(s) rewrote the record: see the dashboard."
    return {"score": sum(t["score"] for t in tests), "output": summary, "tests": tests}
