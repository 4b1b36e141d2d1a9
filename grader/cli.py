"""`grade`: the learner's command. Thin: it parses arguments and calls the rest.

    grade                       your progress and the next step
    grade list                  the exercises
    grade show 03               an exercise's task
    grade hint 03               the next hint for an exercise
    grade 03 [--json]           grade an exercise in the simulated account
    grade 03 --profile NAME     grade a real AWS account, read-only (or --live)
    grade sandbox start|stop|status|reset|env [--json]
    grade console signin root|USER / grade console root-keys [ACTION KEY]

Exit status: 0 all checks pass, 1 some fail, 2 the grading could not run.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from grader.errors import GradeError

COMMANDS = {"list", "show", "hint", "sandbox", "console", "progress"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grade", description="Grade the exercises of Secure Your AWS Account.",
        epilog="Exit status: 0 all checks pass, 1 some fail, 2 the grading could not run.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("progress", help="your progress and the next step (the default)")
    sub.add_parser("list", help="the exercises of the course")
    show = sub.add_parser("show", help="an exercise's task")
    show.add_argument("exercise")
    hint = sub.add_parser("hint", help="the next hint for an exercise")
    hint.add_argument("exercise")
    sandbox = sub.add_parser("sandbox", help="the simulated AWS account")
    sandbox.add_argument("action", choices=["start", "stop", "status", "reset", "env"])
    sandbox.add_argument("--port", type=int, default=0, help="with start: the port to use")
    sandbox.add_argument("--json", action="store_true", help="with env: one JSON object")
    console = sub.add_parser("console", help="the simulated account's console")
    console_sub = console.add_subparsers(dest="console_command", required=True)
    signin = console_sub.add_parser("signin", help="sign in with a password")
    signin.add_argument(
        "user", help="the root user (the account's e-mail address, or `root`), or an IAM user")
    signin.add_argument("--password")
    keys = console_sub.add_parser("root-keys", help="the root user's access keys")
    keys.add_argument("action", nargs="?", default="list",
                      choices=["list", "create", "activate", "deactivate", "delete"])
    keys.add_argument("key", nargs="?")
    keys.add_argument("--password")
    return parser


def _grade_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grade", description="Grade one exercise.")
    parser.add_argument("exercise", help="its id (03-stop-using-root) or number (03, 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--answers", type=Path,
                        help="a quiz's answers file (default: answers.toml in its folder)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--profile", help="grade a real AWS account with this profile")
    where.add_argument("--live", action="store_true",
                       help="grade a real AWS account with the environment's credentials")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        status = run(args)
    except GradeError as error:
        print(f"grade: {error.reason}", file=sys.stderr)
        if error.fix:
            print(f"       {error.fix}", file=sys.stderr)
        status = error.exit_status
    except KeyboardInterrupt:
        status = 130
    except Exception as error:
        from grader.paths import grade_home

        log = grade_home() / "grade-errors.log"
        with log.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc())
        print(f"grade: an unexpected error stopped grading: {error!r}", file=sys.stderr)
        print(f"       The details are in {log}; please report them.", file=sys.stderr)
        status = 2
    sys.exit(status)


def run(args: list[str]) -> int:
    if not args or args[0] in COMMANDS or args[0].startswith("-"):
        options = _parser().parse_args(args)
        return _command(options)
    options = _grade_parser().parse_args(args)
    from grader.grading import grade

    return grade(options.exercise, as_json=options.json, profile=options.profile,
                 live=options.live, answers=options.answers)


def _command(options: argparse.Namespace) -> int:
    from grader import commands

    if options.command in (None, "progress"):
        return commands.progress()
    if options.command == "list":
        return commands.list_exercises()
    if options.command == "show":
        return commands.show(options.exercise)
    if options.command == "hint":
        return commands.hint(options.exercise)
    if options.command == "sandbox":
        return commands.sandbox(options.action, options.port, options.json)
    from grader import console_cli

    if options.console_command == "signin":
        return console_cli.signin(options.user, options.password)
    return console_cli.root_keys(options.action, options.key, options.password)


if __name__ == "__main__":
    main()


