"""`grade <exercise>`: grade one exercise, show the verdict, record it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grader.checks.target import Target, live_target, sandbox_target
from grader.errors import GradeError
from grader.exercises import find
from grader.progress.store import Progress
from grader.report import render_result
from grader.results import ExerciseResult
from grader.runner import run_checks


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
    result: ExerciseResult | None
    before: int | None = None
    answered: Path | None = None
    if exercise.kind == "quiz":
        from grader.quiz.grading import grade_quiz

        interactive = not as_json and sys.stdin.isatty() and sys.stdout.isatty()
        result = grade_quiz(exercise, answers, lambda: target_for(profile, live), interactive)
    else:
        answered = (answers or exercise.folder / "answers.toml").resolve() \
            if exercise.questions else None
        result, before = (None, None) if profile or live \
            else _graded_by_the_account(exercise.id, answered)
        if result is None:
            target = target_for(profile, live)
            before = _events_now(target)
            result = run_checks(exercise, target, answered)
        if result.passed and before is not None:
            from grader.paths import sandbox_dir
            from grader.sandbox import checkpoints

            checkpoints.mark(sandbox_dir(), exercise.id, before)
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


def _graded_by_the_account(exercise_id: str, answers: Path | None
                           ) -> tuple[ExerciseResult | None, int | None]:
    """The simulated account's own grading (`grader.grading_service`), which
    has botocore and pytest loaded already; (None, None) when it does not offer it."""
    from grader.sandbox import control

    done = control.grade_here(control.require(), exercise_id, answers)
    if done is None:
        return None, None
    document, before = done
    return ExerciseResult.from_json(document), before


def _events_now(target: Target) -> int | None:
    """How many events the simulated account's record holds (None for a real account)."""
    if target.mode != "sandbox":
        return None
    from grader.sandbox import control

    return control.events(control.require())


def _next_step(done: str) -> str:
    """What to do after passing `done`: the first exercise not passed yet."""
    from grader.exercises import all_exercises

    progress = Progress().summary()
    for exercise in all_exercises():
        if exercise.id != done and not (exercise.id in progress and progress[exercise.id].passed):
            return (f"Next: {exercise.id} ({exercise.title}). "
                    f"`grade show {exercise.id[:2]}` shows the task.")
    return "That was the last exercise: you have done the whole course."
