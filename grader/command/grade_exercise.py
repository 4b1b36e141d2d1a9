"""`grade <exercise>`: grade one exercise, show the verdict, record it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from grader.checks.target import Target, live_target, sandbox_target
from grader.command.report import render_result
from grader.course.exercises import Exercise, find
from grader.errors import GradeError
from grader.grading.results import ExerciseResult
from grader.grading.runner import run_checks
from grader.progress.store import Progress

if TYPE_CHECKING:
    from grader.sandbox.control import Running


def target_for(profile: str | None, live: bool) -> Target:
    if profile or live:
        target = live_target(profile)
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            account = target.account_id
        except (BotoCoreError, ClientError) as error:  # bad credentials, no network...
            raise GradeError(f"Could not reach AWS with these credentials: {error}.",
                             "Check the profile with `aws sts get-caller-identity`.") from None
        print(f"Grading AWS account {account} (live, read-only).", file=sys.stderr)
        return target
    from grader.netguard import forbid_remote
    from grader.sandbox import control

    running = control.require()
    forbid_remote()
    creds = control.grader_environment(running)
    target = sandbox_target(creds["endpoint"], creds["region"], creds["access_key_id"],
                            creds["secret_access_key"])
    target.known_account = running.account.account_id
    return target


def grade(name: str, as_json: bool = False, profile: str | None = None,
          live: bool = False, answers: Path | None = None) -> int:
    exercise = find(name)
    if answers is not None and exercise.kind != "quiz" and not exercise.questions:
        raise GradeError(f"--answers is for quizzes (and exercises that ask questions); "
                         f"{exercise.id} is a hands-on exercise, "
                         "graded from the account itself.",
                         f"Run `grade {exercise.id[:2]}` without --answers.")
    result: ExerciseResult
    before: int | None = None
    answered: Path | None = None
    if exercise.kind == "quiz":
        from grader.quiz.grading import grade_quiz

        interactive = not as_json and sys.stdin.isatty() and sys.stdout.isatty()
        result = grade_quiz(exercise, answers, lambda: target_for(profile, live), interactive)
    else:
        answered = answers_file(exercise, answers)
        if profile or live:
            result = run_checks(exercise, target_for(profile, live), answered)
        else:
            result, before = graded_by_the_account(exercise, answered)
        keep_start_point(result, before)
    Progress().record(exercise.id, result.passed, result.failed_ids, result.mode,
                      result.account_id)
    _send_to_instructor(result, before, answered)
    if as_json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        sys.stdout.write(render_result(result, sys.stdout))
        if result.passed:
            print(_next_step(exercise.id))
    return 0 if result.passed else 1


def answers_file(exercise: Exercise, given: Path | None) -> Path | None:
    """Where a hands-on exercise's answers are read (05's `who` and `when`): the file
    given, else answers.toml in its folder; None for an exercise that asks nothing."""
    return (given or exercise.folder / "answers.toml").resolve() if exercise.questions else None


def keep_start_point(result: ExerciseResult, before: int | None) -> None:
    """A first pass in the simulated account is where the next exercise begins
    (`grade restart`), and shows in `grade` that the account holds that work."""
    if result.passed and before is not None:
        from grader.paths import sandbox_dir
        from grader.sandbox.history import checkpoints

        checkpoints.mark(sandbox_dir(), result.exercise, before)


def graded_by_the_account(exercise: Exercise, answers: Path | None,
                          running: Running | None = None) -> tuple[ExerciseResult, int | None]:
    """Grade `exercise` in the simulated account: in its own process when it offers it
    (`grader.grading.in_account`), else here; and how many events its record held before."""
    from grader.grading.in_account import grade_here
    from grader.sandbox import control

    running = running or control.require()
    done = grade_here(running, exercise, answers)
    if done is not None:
        document, before = done
        return ExerciseResult.from_json(document), before
    target = target_for(None, False)
    before = control.events(running)
    return run_checks(exercise, target, answers), before


def _send_to_instructor(result: ExerciseResult, before: int | None,
                        answered: Path | None) -> None:
    """Queue the grading for the instructor's server, if the learner joined a cohort."""
    from grader.progress import membership

    if not membership.joined():  # most learners: nothing more to import or read
        return
    from grader.progress import submitting

    quiz_answers = result.extra.get("answers")
    answers = submitting.answers_text(quiz_answers) if isinstance(quiz_answers, dict) \
        else submitting.answers_file_text(answered)
    submitting.after_grading(result, before, answers)


def _next_step(done: str) -> str:
    """What to do after passing `done`: the first exercise not passed yet."""
    from grader.course.exercises import all_exercises
    from grader.progress.gone_passes import gone_passes

    exercises = all_exercises()
    progress = Progress().summary()
    gone = gone_passes(exercises, progress)
    for exercise in exercises:
        if exercise.id != done and (exercise.id in gone or not (
                exercise.id in progress and progress[exercise.id].passed)):
            return (f"Next: {exercise.id} ({exercise.title}). "
                    f"`grade show {exercise.id[:2]}` shows the task.")
    return "That was the last exercise: you have done the whole course."
