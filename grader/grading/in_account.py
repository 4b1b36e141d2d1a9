"""`POST /_sandbox/grade {"exercise": ID, "folder": PATH}`: an exercise's checks, run in the
account's process.

`grade NN` is a new process each time, and most of its time went into importing botocore
and pytest and building botocore's clients before a single check ran. The simulated
account's server has all of that loaded already, so for the simulated account `grade` asks
it to run the checks: the very same checks (`grader.grading.runner.run_checks`), reading
the account with the grader's read-only key exactly as a separate process would (signed
requests through the same front desk, handed to it in this process rather than over the
loopback), one grading at a time. The answer is the `grade --json` document and how many
events the record held before the grading (for `checkpoints`). Only `grade` may ask: the
request carries the grader's secret. Live mode (a real account) never comes here. Nothing
of a grading is recorded: the grader's reads never are.
"""

from __future__ import annotations

import functools
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grader.checks.target import Target
    from grader.course.exercises import Exercise
    from grader.sandbox.account import Account
    from grader.sandbox.control import Running
    from grader.sandbox.front_desk.app import SandboxApp

GRADE_PATH = "grade"  # `grade` imports this module for it: nothing heavy at the top


def install(app: SandboxApp, allowed: Any) -> None:
    """Offer gradings at `/_sandbox/grade` (`allowed(request)`: it comes from `grade`): an
    extension of the account's process (`grader.sandbox.server.assemble`'s `extensions`)."""
    from grader.sandbox.front_desk.wsgi import json_response

    account: Account = app.account
    one_at_a_time = threading.Lock()

    @functools.cache
    def target() -> Target:
        """The account, read with the grader's key: one, whose clients are kept."""
        from grader.checks.target import sandbox_target
        from grader.sandbox.front_desk.in_process import control_in_process, route_in_process

        assert app.endpoint is not None, "the server has not bound its port yet"
        made = sandbox_target(app.endpoint, account.region, account.grader_key_id,
                              account.grader_secret)
        # Its requests handed to this process's front desk, not sent over the loopback.
        route_in_process(made.session, app)
        made.control = functools.partial(control_in_process, app, account.grader_secret,
                                         endpoint=app.endpoint)
        made.known_account = account.account_id
        return made

    def grade(request: Any, body: bytes, _at: Any = None, _replaying: bool = False) -> Any:
        if not allowed(request):
            return json_response({"error": "not allowed"}, 403)
        from grader.errors import GradeError
        from grader.grading.runner import run_checks

        try:
            payload = json.loads(body or b"{}")
            exercise = _exercise(payload)
            if exercise.kind != "hands-on":
                raise GradeError(f"{exercise.id} is not graded from the account.", "")
            with one_at_a_time:
                before = app.next_seq - 1
                answers = payload.get("answers")
                result = run_checks(exercise, target(),
                                    Path(answers) if isinstance(answers, str) else None)
        except GradeError as error:
            return json_response({"error": error.reason, "fix": error.fix}, 409)
        except ValueError:
            return json_response({"error": "The request is not JSON."}, 400)
        except Exception:  # a bug: its details where `grade` keeps them, not a bare 500
            import traceback

            from grader.paths import append_private, grade_home

            log = grade_home() / "grade-errors.log"
            append_private(log, traceback.format_exc())
            return json_response({"error": "The grading crashed in the simulated account.",
                                  "fix": f"The details are in {log}; please report them."},
                                 500)
        return json_response({"result": result.to_json(), "eventsBefore": before})

    def warm_up() -> None:
        """Import what a grading needs and make its clients, before the first one."""
        import pytest  # noqa: F401

        import grader.checks.plugin
        import grader.grading.runner  # noqa: F401

        with one_at_a_time:
            for service in ("iam", "cloudtrail"):
                target().client(service)

    app.control[GRADE_PATH] = grade
    app.control_unlocked.add(GRADE_PATH)  # its checks call the account: no lock held
    app.once_listening.append(warm_up)


def _exercise(payload: dict[str, Any]) -> Exercise:
    """The exercise a request names: the folder `grade` found it in (`folder`: one added
    since this process started, or outside the course's own folder, is graded too), else
    its id (an older `grade` sends only that)."""
    from grader.course.exercises import find, load
    from grader.errors import GradeError

    folder = payload.get("folder")
    if not isinstance(folder, str):
        return find(str(payload.get("exercise", "")))
    exercise = load(Path(folder))
    if exercise.id != payload.get("exercise"):
        raise GradeError(f"{folder} is not the folder of {payload.get('exercise')}.", "")
    return exercise


def grade_here(running: Running, exercise: Exercise,
               answers: Path | None = None) -> tuple[dict[str, Any], int] | None:
    """Have the running account grade `exercise` in its own process (the `grade
    --json` document, and the events its record held before); None when this account's
    server does not offer it (one started by an older `grade`, or served alone).
    GradeError: the grading could not run, for the reason the account gives."""
    from grader.sandbox.control import NotAnswering, loopback_open, refusal
    from grader.sandbox.server import GRADER_TOKEN

    request = urllib.request.Request(
        f"{running.endpoint}/_sandbox/{GRADE_PATH}", method="POST",
        data=json.dumps({"exercise": exercise.id, "folder": str(exercise.folder),
                         "answers": str(answers) if answers else None}).encode(),
        headers={"Content-Type": "application/json", GRADER_TOKEN: running.account.grader_secret})
    try:
        with loopback_open(request, timeout=300) as answer:
            done = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise refusal(error) from None
    except OSError as error:
        raise NotAnswering(f"The simulated account did not answer: {error}.",
                           "Check it with `grade sandbox status`.") from None
    return done["result"], int(done["eventsBefore"])
