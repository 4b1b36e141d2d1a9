"""`grade restart NN`: start an exercise over.

For a hands-on exercise, the simulated account is rebuilt from its record
as it was when the exercise began (after the earlier exercise the learner
last passed), so that a mistake the record keeps for good (root used after
the switch to the IAM user, in 03) no longer counts, while the work of
earlier exercises stays. Everything done since is archived, never deleted.
For a quiz, the answers remembered as right are forgotten, so that every
question is asked again.
"""

from __future__ import annotations

from grader.command.asking import confirmed
from grader.command.report import wrap
from grader.course.exercises import Exercise, find
from grader.errors import GradeError
from grader.paths import sandbox_dir
from grader.sandbox import control
from grader.sandbox.history import checkpoints
from grader.sandbox.start_over import archives, replacing


def restart(name: str, assume_yes: bool = False) -> int:
    exercise = find(name)
    if exercise.kind == "quiz":
        from grader.quiz.restart import restart_quiz

        restart_quiz(exercise.id)
        print(wrap(f"{exercise.id} starts over: `grade {exercise.id[:2]}` asks every "
                   "question again."))
        return 0
    return _restart_hands_on(exercise, assume_yes)


def _restart_hands_on(exercise: Exercise, assume_yes: bool) -> int:
    number = exercise.id[:2]
    control.require()  # restarting rebuilds a running account
    folder = sandbox_dir()
    start = checkpoints.start_of(folder, exercise.number)
    if start is None:
        raise GradeError(
            "This simulated account does not know where each exercise began (it was made "
            "by an older version of the course).",
            "`grade sandbox reset` starts the whole account over instead.")
    since = archives.done_since(folder, start.events)
    where = ("as it was when it was opened" if start.name == checkpoints.OPENED
             else f"as it was when you first passed {start.name}")
    later = sorted(name for name, at in checkpoints.load(folder).items()
                   if name != checkpoints.OPENED and at > start.events)
    work = (f", with the work of the exercises passed since ({', '.join(later)}: you will "
            "pass them again after this one)") if later else ""
    print(wrap(f"This rebuilds your simulated account {where}, so that you can do "
               f"{exercise.id} again from its start. What was done since then is undone in "
               f"the account ({archives.requests(since)}{work}); it is archived first: "
               "`grade sandbox archives` lists it, `grade sandbox restore` brings it back. "
               "What you did before stays."))
    if since == 0:
        print("Nothing was done since then: the account is already there.")
        return 0
    if not assume_yes and not confirmed("grade restart", "Start over?"):
        print("Nothing was changed.")
        return 1
    replacing.rewind(start.events, folder, reason=f"restart {number}")
    print()
    print(wrap(f"{exercise.id} starts over. If your terminal used credentials made since "
               f"then, point it at the account again: eval \"$(grade sandbox env)\". Then "
               f"`grade show {number}`."))
    return 0
