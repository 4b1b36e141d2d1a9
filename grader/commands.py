"""The `grade` commands other than grading: progress, list, show, hint, sandbox."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import sys

from grader.exercises import all_exercises, find
from grader.progress.store import Progress
from grader.report import render_progress
from grader.sandbox import control


def progress() -> int:
    sys.stdout.write(render_progress(all_exercises(), Progress().summary(), sys.stdout))
    return 0


def list_exercises() -> int:
    for exercise in all_exercises():
        print(f"{exercise.id:<28} {exercise.kind:<9} {exercise.title}")
    return 0


def show(name: str) -> int:
    exercise = find(name)
    sys.stdout.write(exercise.task)
    print(f"\nWhen you are done, run `grade {exercise.id[:2]}`.")
    return 0


def hint(name: str) -> int:
    exercise = find(name)
    index = Progress().next_hint(exercise.id, len(exercise.hints))
    print(f"Hint {index + 1} of {len(exercise.hints)} for {exercise.id}:\n")
    print(exercise.hints[index])
    if index + 1 < len(exercise.hints):
        print(f"\nStill stuck? `grade hint {exercise.id[:2]}` again gives the next hint.")
    return 0


def sandbox(action: str, port: int = 0, as_json: bool = False) -> int:
    if action == "start":
        running, started = control.start(port)
        if started:
            print(f"The simulated AWS account {running.account.account_id} is running at "
                  f"{running.endpoint}.")
        else:
            print(f"The simulated AWS account is already running at {running.endpoint}.")
        print('Point the AWS CLI and boto3 at it with:  eval "$(grade sandbox env)"')
        print(f"Its console (sign-in, root's access keys): {running.endpoint}/_sandbox/console/")
        print(f"Root user's console sign-in: {running.account.root_email} / "
              f"{running.account.root_password}")
        return 0
    if action == "stop":
        print("Stopped the simulated AWS account." if control.stop()
              else "The simulated AWS account was not running.")
        return 0
    if action == "reset":
        running = control.reset()
        print(f"The simulated AWS account is back to its starting state, at {running.endpoint}.")
        print("Root's first access key is back (the same as at the start); if your terminal")
        print('uses other credentials, run  eval "$(grade sandbox env)"  again.')
        return 0
    if action == "status":
        found = control.find()
        if found is None:
            print("The simulated AWS account is not running. Start it with `grade sandbox start`.")
            return 3
        since = dt.datetime.fromisoformat(found.started_at)
        print(f"The simulated AWS account {found.account.account_id} is running at "
              f"{found.endpoint} (pid {found.pid}) since "
              f"{since.strftime('%Y-%m-%d %H:%M:%S UTC')}.")
        return 0
    running = control.require()
    env = control.environment(running)
    if as_json:
        print(json.dumps(env))
    else:
        for name, value in env.items():
            print(f"export {name}={shlex.quote(value)}")
        if "AWS_ACCESS_KEY_ID" not in env:
            print("# The root user has no access keys left: use your IAM user's keys.",
                  file=sys.stderr)
    return 0
