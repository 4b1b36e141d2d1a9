"""`grade`: the learner's command. Thin: it parses arguments and calls the rest.

    grade                       your progress and the next step
    grade 03 [--json]           grade an exercise in the simulated account
    grade 03 --profile NAME     grade a real AWS account, read-only (or --live)
    grade list | show 03 | hint 03 | solution 03
    grade watch 03              re-grade whenever the simulated account changes
    grade restart 03            start an exercise over
    grade start 05              what happens in the account before exercise 05 begins
    grade help [COMMAND]        this help, or a command's (as -h)
    grade sandbox start|stop|status|reset|env [--json]
    grade sandbox archives / restore NAME   the accounts reset and restart put away
    grade sandbox advance DURATION   move the simulated account's clock forward (90m, 2h, 1d)
    grade sandbox inbox [--json]     the e-mails the account's SNS topics sent
    grade console signin root|EMAIL|USER / root-keys [ACTION KEY] / root-mfa ACTION
    grade console billing-access enable|disable|status
    grade join URL CODE [--name NAME] / submit / leave    an instructor's cohort

Exit status: 0 all checks pass, 1 some fail, 2 the grading could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import traceback
from collections.abc import Sequence

from grader.command.arguments import COMMANDS, UsageError, grade_parser, parser
from grader.errors import GradeError


def main(argv: Sequence[str] | None = None) -> None:
    from grader.startup import skip_unused_imports

    skip_unused_imports()
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    try:
        try:
            status = run(args)
        except GradeError as error:
            _refuse(error, as_json=as_json)
            status = error.exit_status
        except KeyboardInterrupt:
            status = 130
        sys.stdout.flush()  # a closed stdout shows here, not in the interpreter's last flush
    except BrokenPipeError as error:
        # Whoever read our output stopped reading (`grade sandbox start | head -1`): end
        # quietly, with the status of a program killed by SIGPIPE (128 + 13 = 141), as `cat`
        # or `yes` would; the work itself (a start, a grading) was done.
        status = _stdout_gone() if _stdout_closed() else _unexpected(error, as_json)
    except Exception as error:
        status = _unexpected(error, as_json)
    sys.exit(status)


def _stdout_closed() -> bool:
    """True when nobody reads our stdout any more (a pipe whose reader has gone)."""
    import select

    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return True
    except (OSError, ValueError):
        pass
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        events = poller.poll(0)
    except (OSError, ValueError, AttributeError):
        return False
    return any(mask & (select.POLLERR | select.POLLHUP) for _, mask in events)


def _stdout_gone() -> int:
    """Point stdout at /dev/null, so that what is still buffered goes nowhere quietly."""
    import os
    import signal

    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 128 + signal.SIGPIPE


def _unexpected(error: BaseException, as_json: bool) -> int:
    """A bug: its traceback goes to grade-errors.log (private), one line to the learner."""
    from grader.paths import ERRORS_LOG, append_private, grade_home

    details = "".join(traceback.format_exception(error))
    try:
        log = grade_home() / ERRORS_LOG
        append_private(log, details)
        fix = f"The details are in {log}; please report them."
    except (GradeError, OSError) as unwritable:
        fix = f"The details could not be written down ({unwritable}); please report this."
    with contextlib.suppress(OSError, ValueError):
        _refuse(GradeError(f"an unexpected error stopped grading: {error!r}", fix),
                as_json=as_json)
    return 2


def _refuse(error: GradeError, as_json: bool) -> None:
    """Say why `grade` could not do its job: one line on stderr, and JSON on stdout if asked."""
    print(f"grade: {error.reason}", file=sys.stderr)
    if error.fix:
        print(f"       {error.fix}", file=sys.stderr)
    if as_json:
        print(json.dumps({"error": error.reason, "fix": error.fix,
                          "exitStatus": error.exit_status}))


def run(args: list[str]) -> int:
    if args[:1] == ["help"]:  # `grade help [COMMAND]` is `grade [COMMAND] -h`
        args = _help(args[1:])
    if not args or args[0] in COMMANDS or args[0].startswith("-"):
        options = parser().parse_args(_duration_last(args))
        return _command(options)
    if not any(char.isdigit() for char in args[0]):  # a word: a command mistyped?
        _unknown_word(args[0])
    options = grade_parser().parse_args(args)
    from grader.command.grade_exercise import grade

    return grade(options.exercise, as_json=options.json, profile=options.profile,
                 live=options.live, answers=options.answers)


def _help(topic: list[str]) -> list[str]:
    """The arguments `grade help TOPIC` stands for: `grade TOPIC -h`."""
    if not topic:
        return ["-h"]
    if topic[0] not in COMMANDS:
        raise UsageError(f"There is no command {topic[0]!r} to help with.",
                         "`grade -h` lists the commands; `grade show NN` shows an exercise.")
    return [*topic, "-h"]


def _unknown_word(word: str) -> None:
    """A first argument that is no command and names no exercise but is like a command
    (`grade lsit`): say which command it is like."""
    import difflib

    from grader.course.exercises import find

    try:
        find(word)
    except GradeError as error:
        close = difflib.get_close_matches(word.lower(), sorted(COMMANDS | {"help"}), n=1,
                                          cutoff=0.75)
        if close:
            raise UsageError(f"There is no command or exercise {word!r}.",
                             f"Did you mean `grade {close[0]}`? `grade -h` lists the commands."
                             ) from None
        raise error from None


_NEGATIVE_DURATION = re.compile(r"-\s*(?:\d|\.\d|[Pp])")


def _duration_last(args: list[str]) -> list[str]:
    """`grade sandbox advance -5m`: argparse would take `-5m` for an unknown option; it is a
    duration (one `advance` refuses, saying why), so it goes last, after `--`."""
    if args[:1] != ["sandbox"] or "advance" not in args or "--" in args:
        return args
    durations = [a for a in args[args.index("advance") + 1:] if _NEGATIVE_DURATION.match(a)]
    if len(durations) != 1:
        return args
    return [a for a in args if a != durations[0]] + ["--", durations[0]]


def _command(options: argparse.Namespace) -> int:
    from grader.command import commands

    if options.command in (None, "progress"):
        return commands.progress()
    if options.command == "list":
        return commands.list_exercises()
    if options.command == "watch":
        return commands.watch(options.exercise, options.answers)
    if options.command in ("show", "hint", "solution"):
        return int(getattr(commands, options.command)(options.exercise))
    if options.command == "start":
        from grader.command.exercise_start import start

        return start(options.exercise)
    if options.command == "restart":
        from grader.command.restart import restart

        return restart(options.exercise, assume_yes=options.yes)
    if options.command == "sandbox":
        needs = {"advance": "a duration, as 90m, 2h or 1d",
                 "restore": "the name of an archived account (`grade sandbox archives`)"}
        if options.action in needs and options.value is None:
            raise UsageError(f"`grade sandbox {options.action}` needs {needs[options.action]}.",
                             "See `grade sandbox -h`.")
        if options.action not in needs and options.value is not None:
            raise UsageError(f"unrecognized arguments: {options.value}.",
                             "See `grade sandbox -h`.")
        return commands.sandbox(options.action, options.port, options.json, options.value,
                                assume_yes=options.yes)
    if options.command == "authenticator":
        from grader.command import authenticator

        which = options.authenticator_command
        if which == "add":
            return authenticator.add(options.name, secret=options.secret,
                                     secret_file=options.secret_file, qr=options.qr,
                                     replace=options.replace, as_json=options.json)
        if which == "code":
            return authenticator.code(options.name, two=options.two, as_json=options.json)
        if which == "list":
            return authenticator.list_devices(as_json=options.json)
        return authenticator.remove(options.name, as_json=options.json)
    if options.command in ("join", "submit", "leave"):
        from grader.command import cohort

        if options.command == "join":
            return cohort.join(options.url, options.code, options.name, options.json)
        return int(getattr(cohort, options.command)(options.json))
    from grader.command import console

    return console.run(options)


if __name__ == "__main__":
    main()
