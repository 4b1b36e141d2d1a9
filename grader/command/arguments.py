"""The arguments of `grade`, the learner's command: every command's, as argparse parses
them (`parser`, `grade_parser`); a mistake in them is a `UsageError`. What each command
does is `grader.command.main`'s (and the modules it calls).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from grader.errors import GradeError

COMMANDS = {"list", "show", "hint", "solution", "watch", "restart", "start", "sandbox",
            "console", "progress", "authenticator", "join", "submit", "leave"}
USAGE = """grade [NN] [--json] [--profile NAME | --live] [--answers FILE]
       grade {list,show,hint,solution,watch,restart,start,sandbox,console,progress,
              authenticator,join,submit,leave} ..."""
EPILOG = """\
grade NN grades exercise NN (its number, 03 or 3, or its id, 03-stop-using-root)
in the simulated account; --profile NAME or --live grade a real AWS account,
read-only; --answers FILE gives a quiz's answers; --json prints one JSON object.
`grade help COMMAND` is `grade COMMAND -h`.

Exit status: 0 all checks pass, 1 some fail, 2 the grading could not run
(`grade sandbox status`: 3 when the simulated account is not running)."""


class UsageError(GradeError):
    """The command line itself is wrong."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is a `UsageError` (one line, exit 2, --json aware)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}.", f"See `{self.prog} -h`.")


def parser() -> argparse.ArgumentParser:
    """`grade`'s arguments, every command's."""
    parser = _Parser(prog="grade", usage=USAGE, epilog=EPILOG,
                     description="Grade the exercises of Secure Your AWS Account.",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", title="commands", parser_class=_Parser)
    sub.add_parser("progress", help="your progress and the next step (the default)")
    sub.add_parser("list", help="the exercises of the course")
    for name, text in (("show", "an exercise's task"),
                       ("hint", "the next hint for an exercise"),
                       ("solution", "an exercise's worked solution (asks twice)"),
                       ("watch", "re-grade whenever the simulated account changes (Ctrl-C stops)"),
                       ("restart", "start an exercise over"),
                       ("start", "make what happens before an exercise begins happen "
                                 f"({_with_a_start()})")):
        command = sub.add_parser(name, help=text, description=text)
        command.add_argument("exercise", help="its number (03) or id (03-stop-using-root)")
        if name == "restart":
            command.add_argument("--yes", action="store_true", help="do not ask to confirm")
        if name == "watch":
            command.add_argument("--answers", type=Path,
                                 help="the exercise's answers file (05, 06; default: "
                                      "answers.toml in its folder)")
    sandbox = sub.add_parser(
        "sandbox", help="the simulated AWS account",
        epilog="advance DURATION moves the account's clock forward (45s, 90m, 2h, 1d or\n"
               "PT1H30M; at most 400d at a time): what takes time in AWS need not be waited for.\n"
               "inbox shows the e-mails the account's SNS topics sent (alerts, say).\n"
               "reset starts the account over (it asks first; --yes does not ask): the old one\n"
               "is archived. archives lists the archived accounts; restore NAME brings one\n"
               "back (the current one is archived first).\n"
               "\nExit status: 0 done; 2 it could not be done; status: 3 not running.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sandbox.add_argument("action", choices=["start", "stop", "status", "reset", "env",
                                            "advance", "inbox", "archives", "restore"])
    sandbox.add_argument("value", nargs="?", metavar="DURATION|NAME",
                         help="with advance: how far, as 90m or 2h; with restore: the "
                              "archive's name")
    sandbox.add_argument("--yes", action="store_true",
                         help="with reset and restore: do not ask to confirm")
    sandbox.add_argument("--port", type=int, default=0, help="with start: the port to use")
    sandbox.add_argument("--json", action="store_true",
                         help="with env, status, advance, inbox and archives: one JSON object")
    console = sub.add_parser("console", help="the simulated account's console")
    console_sub = console.add_subparsers(dest="console_command", required=True,
                                         parser_class=_Parser)
    signin = console_sub.add_parser("signin", help="sign in with a password")
    signin.add_argument(
        "user", help="the root user (the account's e-mail address, or `root`), or an IAM user")
    keys = console_sub.add_parser("root-keys", help="the root user's access keys")
    keys.add_argument("action", nargs="?", default="list",
                      choices=["list", "create", "activate", "deactivate", "delete"])
    keys.add_argument("key", nargs="?")
    mfa = console_sub.add_parser(
        "root-mfa", help="the root user's MFA devices",
        description="Give the root user a virtual MFA device (create, then enable with two "
                    "consecutive codes), list or remove it.")
    billing = console_sub.add_parser(
        "billing-access", help="IAM user and role access to billing information (root only)",
        description="Turn IAM user and role access to billing information on or off, as root "
                    "(off in a new account), or print it (`on` or `off`).")
    billing.add_argument("action", choices=["enable", "disable", "status"])
    mfa.add_argument("action", choices=["list", "create", "enable", "remove"])
    mfa.add_argument("codes", nargs="*", metavar="CODE", help="enable: CODE1 CODE2")
    mfa.add_argument("--name", help="the device's name (root-account-mfa-device)")
    mfa.add_argument("--serial-number", help="enable, remove: the device's serial number")
    mfa.add_argument("--json", action="store_true", help="one JSON object")
    for command in (signin, keys, mfa, billing):
        command.add_argument("--password", help="the password (asked for when missing)")
        command.add_argument("--mfa-code", help="a current code, once the user has MFA")
    _authenticator_parser(sub)
    _cohort_parsers(sub)
    return parser


def _with_a_start() -> str:
    """The exercises that have a start (`start.py` in their folder): "05, 06"."""
    from grader.command.exercise_start import START_FILE
    from grader.paths import exercises_dir

    numbers = sorted(path.parent.name[:2] for path in exercises_dir().glob(f"*/{START_FILE}"))
    return ", ".join(numbers) or "none yet"


def _cohort_parsers(sub: argparse._SubParsersAction[_Parser]) -> None:
    join = sub.add_parser(
        "join", help="join an instructor's cohort: your gradings are sent to their server",
        description="Join an instructor's cohort with the server address and enrolment code "
                    "they gave you. From then on each grading is also sent to their server.")
    join.add_argument("url", help="the server's address, as https://grades.example.org")
    join.add_argument("code", help="the enrolment code")
    join.add_argument("--name", help="your name as your instructor will see it "
                                     "(default: your user name)")
    sub.add_parser("submit", help="send the gradings still waiting to your instructor's server",
                   description="Send now what is waiting. Exit status 1 if some still wait.")
    sub.add_parser("leave", help="stop sending gradings to your instructor's server")
    for name in ("join", "submit", "leave"):
        sub.choices[name].add_argument("--json", action="store_true", help="one JSON object")


def _authenticator_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    stand_in = ("A stand-in for a phone's authenticator app, for the simulated account only;\n"
                "on a real AWS account, use a real authenticator app or a security key.")
    authenticator = sub.add_parser(
        "authenticator", prog="grade authenticator",
        help="a stand-in for a phone's authenticator app (MFA codes)",
        description=stand_in, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 done; 2 it could not be done (unknown name, unreadable QR code, "
               "bad seed).")
    commands = authenticator.add_subparsers(dest="authenticator_command", required=True,
                                            metavar="{add,code,list,remove}",
                                            parser_class=_Parser)
    add = commands.add_parser("add", help="keep an MFA device's seed under a name",
                              description="Keep an MFA device's seed under NAME.")
    add.add_argument("name", metavar="NAME",
                     help="the name to keep it under (the device's, or its user's)")
    seed = add.add_mutually_exclusive_group(required=True)
    seed.add_argument("--qr", type=Path, metavar="FILE.png",
                      help="the QR code's PNG (create-virtual-mfa-device --bootstrap-method "
                           "QRCodePNG --outfile FILE.png)")
    seed.add_argument("--secret", metavar="BASE32",
                      help="the Base32 seed (Base32StringSeed; spaces and lower case allowed)")
    seed.add_argument("--secret-file", type=Path, metavar="FILE",
                      help="the file --bootstrap-method Base32StringSeed --outfile wrote")
    add.add_argument("--replace", action="store_true", help="replace a device of that name")
    show = commands.add_parser("code", help="the code of now, from this machine's clock",
                               description="The code of now, and how long it stays valid.")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--two", action="store_true",
                      help="the previous code and the current one (for enable-mfa-device)")
    commands.add_parser("list", help="the devices kept (never their seeds)")
    remove = commands.add_parser("remove", help="forget a device's seed")
    remove.add_argument("name", metavar="NAME")
    for command in commands.choices.values():
        command.add_argument("--json", action="store_true", help="print one JSON object")


def grade_parser() -> argparse.ArgumentParser:
    """The arguments of `grade NN`: grading one exercise."""
    parser = _Parser(prog="grade", usage=USAGE, description="Grade one exercise.")
    parser.add_argument("exercise", help="its number (03, 3) or id (03-stop-using-root)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--answers", type=Path,
                        help="a quiz's answers file (default: answers.toml in its folder)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--profile", help="grade a real AWS account with this profile")
    where.add_argument("--live", action="store_true",
                       help="grade a real AWS account with the environment's credentials")
    return parser
