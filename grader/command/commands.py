"""The `grade` commands other than grading: progress, list, show, hint, solution, sandbox."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from grader.command import aws_cli_sessions
from grader.command.report import render_progress, width, wrap
from grader.course.exercises import Exercise, all_exercises, find
from grader.course.site import page_url
from grader.errors import GradeError
from grader.progress.store import Progress
from grader.sandbox import clock, control


def progress() -> int:
    from grader.progress.gone_passes import gone_passes

    exercises = all_exercises()
    summary = Progress().summary()
    sys.stdout.write(render_progress(exercises, summary, sys.stdout,
                                     gone_passes(exercises, summary)))
    cohort = _cohort_line()
    if cohort:
        print(cohort)
    return 0


def _cohort_line() -> str:
    """Where gradings are sent, and how many wait, for a learner in a cohort."""
    from grader.progress import membership, outbox

    member = membership.load()
    if member is None:
        return ""
    waiting = len(outbox.waiting())
    line = f"Your gradings go to {member.cohort} at {member.url}"
    if waiting:
        return line + f"; {waiting} wait to be sent (`grade submit` sends them now)."
    return line + "."


def list_exercises() -> int:
    for exercise in all_exercises():
        print(f"{exercise.id:<28} {exercise.kind:<9} {exercise.title}")
    return 0


def print_markdown(text: str) -> None:
    """Markdown rendered for a terminal (plain text, no colour, in a pipe): prose wrapped
    between words, code blocks never wrapped (`grader.command.terminal_markdown`)."""
    from grader.command.terminal_markdown import render

    sys.stdout.write(render(text, width(), sys.stdout.isatty()))


def show(name: str) -> int:
    exercise = find(name)
    print_markdown(exercise.task)
    print(f"\nWhen you are done, run `grade {exercise.id[:2]}`.")
    return 0


def hint(name: str) -> int:
    exercise = find(name)
    index = Progress().next_hint(exercise.id, len(exercise.hints))
    if index is None:
        print(wrap(f"There are no more hints for {exercise.id}: you have seen all "
                   f"{len(exercise.hints)}. The lesson explains each step: "
                   f"{page_url(exercise.lesson)}"))
        print()
        print(wrap(f"Still stuck? `grade solution {exercise.id[:2]}` shows a worked solution."))
        return 0
    print(f"Hint {index + 1} of {len(exercise.hints)} for {exercise.id}:\n")
    print(wrap(exercise.hints[index]))
    if index + 1 < len(exercise.hints):
        print()
        print(wrap(f"Still stuck? `grade hint {exercise.id[:2]}` again gives the next hint."))
    return 0


def solution(name: str) -> int:
    """A worked solution, shown the second time it is asked for."""
    exercise = find(name)
    number = exercise.id[:2]
    if exercise.kind == "quiz":
        print(wrap(f"{exercise.id} is a quiz: `grade {number}` explains each answer, right "
                   f"or wrong, and links the lesson it comes from: {page_url(exercise.lesson)}"))
        return 0
    scripts = _solution_files(exercise)
    if not scripts:
        print(f"{exercise.id} has no worked solution yet.")
        return 0
    if Progress().ask_solution(exercise.id) < 2:
        print(wrap(f"Reading a worked solution is fine: it is how many people learn. You will "
                   f"learn more, though, if you try once more with the hints "
                   f"(`grade hint {number}`) and the lesson ({page_url(exercise.lesson)}) first."))
        print()
        print(wrap(f"Run `grade solution {number}` again to see the solution."))
        return 0
    main, *others = scripts
    print_markdown(f"# A worked solution for {exercise.id}\n\n"
                   f"`{main.relative_to(exercise.folder.parent.parent)}`:\n\n"
                   f"```{_language(main.suffix)}\n{main.read_text(encoding='utf-8')}\n```\n")
    if others:
        listed = ", ".join(str(p.relative_to(exercise.folder.parent.parent)) for p in others)
        print(wrap(f"The same done other ways: {listed}."))
    return 0


def _solution_files(exercise: Exercise) -> list[Path]:
    folder = exercise.folder / "solution"
    if not folder.is_dir():
        return []
    found = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    # The AWS CLI script first: it is the one the lesson shows.
    return sorted(found, key=lambda p: (p.name != "solution.sh", p.name))


def _language(suffix: str) -> str:
    return {".sh": "bash", ".py": "python", ".ipynb": "json"}.get(suffix, "text")


def watch(name: str, answers: Path | None = None) -> int:
    from grader.command.watch import watch as run_watch

    return run_watch(find(name), answers)


def sandbox(action: str, port: int = 0, as_json: bool = False,
            value: str | None = None, assume_yes: bool = False) -> int:
    if action == "advance":
        return advance(value or "", as_json)
    if action in ("reset", "archives", "restore"):
        from grader.command import archive_commands

        if action == "reset":
            return archive_commands.reset(assume_yes)
        if action == "archives":
            return archive_commands.show_archives(as_json)
        return archive_commands.restore(value or "", assume_yes)
    if action == "status":
        return status(as_json)
    if action == "inbox":
        return inbox(as_json)
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
    from grader.command.sandbox_env import main as print_env

    return print_env(as_json)


NOT_RUNNING_STATUS = 3  # `grade sandbox status`: the simulated account is not running


def status(as_json: bool = False) -> int:
    """Whether the simulated account runs, where, since when, and its time.

    `--json` (a contract scripts rely on): one object, `{"running": false}` when it
    does not run (exit 3), else `running`, `endpoint`, `port`, `pid`, `startedAt`,
    `accountId`, `region`, `rootEmail`, `rootPassword`, `consoleUrl`, `accountTime`
    and `clockOffsetSeconds` (how far `grade sandbox advance` moved its clock)."""
    found = control.find()
    if found is None:
        if as_json:
            print(json.dumps({"running": False}))
        else:
            print("The simulated AWS account is not running. Start it with `grade sandbox start`.")
        return NOT_RUNNING_STATUS
    reading = control.account_time(found)
    if as_json:
        print(json.dumps({
            "running": True,
            "endpoint": found.endpoint,
            "port": found.port,
            "pid": found.pid,
            "startedAt": found.started_at,
            "accountId": found.account.account_id,
            "region": found.account.region,
            "rootEmail": found.account.root_email,
            "rootPassword": found.account.root_password,
            "consoleUrl": f"{found.endpoint}/_sandbox/console/",
            "accountTime": reading.now.isoformat(),
            "clockOffsetSeconds": reading.ahead.total_seconds(),
        }))
        return 0
    since = dt.datetime.fromisoformat(found.started_at)
    print(f"The simulated AWS account {found.account.account_id} is running at "
          f"{found.endpoint} (pid {found.pid}) since {_utc(since)}.")
    if reading.ahead:
        print(f"Its clock is {clock.describe(reading.ahead)} ahead of this machine's: in the "
              f"account it is {_utc(reading.now)}.")
    print(f"Its console (sign-in, root's access keys): {found.endpoint}/_sandbox/console/")
    print(f"Root user's console sign-in: {found.account.root_email} / "
          f"{found.account.root_password}")
    return 0


def inbox(as_json: bool = False) -> int:
    """`grade sandbox inbox`: the e-mails the account's SNS topics sent (an alert's, say).

    `--json`: `{"mails": [{sent, to, subject, body, topic_arn, message_id}, ...]}`."""
    mails = control.inbox(control.require())
    if as_json:
        print(json.dumps({"mails": mails}))
        return 0
    if not mails:
        print("No e-mail yet: SNS sends one to each confirmed e-mail subscription of a topic "
              "that gets a message, and AWS Budgets to a budget's e-mail subscribers when a "
              "day, settled at midnight UTC, crosses its threshold.")
        return 0
    for mail in mails:
        print(f"--- {_utc(dt.datetime.fromisoformat(mail['sent']))}  to {mail['to']}")
        sender = f"  (topic {mail['topic_arn']})" if mail["topic_arn"] else ""
        print(f"Subject: {mail['subject']}{sender}")
        print(mail["body"])
        print()
    return 0


def advance(duration: str, as_json: bool = False) -> int:
    """`grade sandbox advance DURATION`: move the simulated account's clock forward."""
    try:
        by = clock.parse_duration(duration)
    except clock.BadDuration as bad:
        raise GradeError(bad.reason, bad.fix) from None
    running = control.require()
    reading = control.advance(running, by)
    forgotten = aws_cli_sessions.said(aws_cli_sessions.forget_expired(running.account.account_id,
                                                              reading.now))
    if as_json:
        print(json.dumps({"accountTime": reading.now.isoformat(),
                          "advancedSeconds": by.total_seconds(),
                          "clockOffsetSeconds": reading.ahead.total_seconds()}))
        return 0
    print(f"The simulated account's clock moved forward {clock.describe(by)}: in the account "
          f"it is now {_utc(reading.now)}.")
    print(f"(It is {clock.describe(reading.ahead)} ahead of this machine's clock; the AWS CLI "
          "and boto3 keep signing with this machine's.)")
    if forgotten:
        print(forgotten)
    return 0


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
