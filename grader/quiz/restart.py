"""`grade restart NN`: answer a quiz from the start.

Answering a quiz, in a terminal or in its answers file, remembers the
questions answered right, and the next time asks only the others (a file
may leave them blank). Restarting forgets them, so every question is asked
again. The gradings already recorded, the hints shown and the learner's
answers file are kept.
"""

from __future__ import annotations

from grader.course.exercises import find
from grader.errors import GradeError
from grader.progress.store import Progress


def restart_quiz(exercise_id: str) -> None:
    """Forget the quiz's remembered right answers (`exercise_id` may be its number)."""
    exercise = find(exercise_id)
    if exercise.kind != "quiz":
        raise GradeError(f"{exercise.id} is not a quiz: there are no answers to forget.",
                         f"`grade {exercise.id[:2]}` grades it as it is now.")
    Progress().forget_answers(exercise.id)
