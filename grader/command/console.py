"""`grade console ...`: the simulated account's console, from the terminal.

    grade console signin root            sign in as the root user (asks the password)
    grade console signin alice           sign in as IAM user alice
    grade console root-keys              list the root user's access keys
    grade console root-keys delete KEY   delete one (also: deactivate, activate, create)
    grade console root-mfa create        give root a virtual MFA device: its QR code
    grade console root-mfa enable C1 C2  ...assigned with two consecutive codes
    grade console root-mfa remove        remove it (also: list)

Each command signs in first, as a person does in the console: with the
password (`--password`, or asked for), and once the user has MFA, a code
(`--mfa-code`, or asked for). Each is recorded as the AWS console's would be
(a `ConsoleLogin` event for each sign-in). Exit status: 0 done, 1 refused
(wrong password, MFA code missing or wrong, or the account's reason). The
same console is a web page at `<endpoint>/_sandbox/console/`.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import json
import sys
import urllib.error
import urllib.request
from typing import Any, TextIO

from grader import paths
from grader.errors import GradeError
from grader.sandbox import control

REFUSED = 1


class Refused(Exception):
    """The console said no: the message is printed, the exit status is 1."""


def run(options: argparse.Namespace) -> int:
    """Run one `grade console` command (the parsed command line)."""
    try:
        if options.console_command == "signin":
            _signin(options.user, options.password, options.mfa_code, sys.stdout).close()
            return 0
        if options.console_command == "root-keys":
            return root_keys(options)
        if options.console_command == "billing-access":
            return billing_access(options)
        return root_mfa(options)
    except Refused as refused:
        print(str(refused), file=sys.stderr)
        return REFUSED


# -- signing in ----------------------------------------------------------------------

def _ask(given: str | None, prompt: str, secret: bool = True) -> str | None:
    """`given`, or asked for on a terminal, or one line of standard input."""
    if given:
        return given
    if sys.stdin.isatty():
        return (getpass.getpass(prompt) if secret else input(prompt)).strip() or None
    line = sys.stdin.readline().rstrip("\n")
    return line or None


class Session:
    """A console session opened by a sign-in; `close` signs out."""

    def __init__(self, who: str, token: str, arn: str) -> None:
        self.who, self.token, self.arn = who, token, arn

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        status, answer = _post(path, payload, self.token)
        if status != 200:
            raise Refused(f"Refused: {answer.get('error', 'unknown error')}")
        return answer

    def close(self) -> None:
        _post("signout", {}, self.token)


def _signin(who: str, password: str | None, mfa_code: str | None,
            say: TextIO = sys.stderr) -> Session:
    """Sign in as `who`; says so on `say` (standard error when a command's own answer
    is what standard output is for)."""
    secret = _ask(password, f"Password for {who}: ")
    if not secret:
        raise GradeError(f"No password given for {who}.",
                         "Pass --password or type it when asked.")
    payload: dict[str, Any] = {"user": who, "password": secret}
    if mfa_code:
        payload["mfaCode"] = mfa_code
    status, answer = _post("signin", payload)
    if status == 401 and answer.get("mfaRequired"):
        if not answer.get("totp"):
            port = control.require().endpoint.rsplit(":", 1)[-1]
            raise Refused("Sign-in failed: this user signs in with a passkey or security "
                          "key, which only the web console can use: open "
                          f"http://localhost:{port}/_sandbox/console/.")
        code = _ask(None, "MFA code: ", secret=False)
        if not code:
            raise Refused("Sign-in failed: this user has MFA: pass --mfa-code with a "
                          "current code from its device (`grade authenticator code NAME` "
                          "if you keep it there).")
        status, answer = _post("signin", payload | {"mfaCode": code})
    if status != 200:
        raise Refused(f"Sign-in failed: {answer.get('error', 'refused')}")
    with_mfa = " with MFA" if answer.get("mfaUsed") else ""
    print(f"Signed in to the console as {answer['signedIn']}{with_mfa}.", file=say)
    return Session(who, str(answer["session"]), str(answer["signedIn"]))


def _post(path: str, payload: dict[str, Any],
          session: str | None = None) -> tuple[int, dict[str, Any]]:
    running = control.require()
    headers = {"Content-Type": "application/json"}
    if session:
        headers["X-Console-Session"] = session
    request = urllib.request.Request(
        running.endpoint + "/_sandbox/console/" + path, data=json.dumps(payload).encode(),
        headers=headers, method="POST")
    try:
        with control.loopback_open(request, timeout=10) as answer:  # never through a proxy
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}
    except OSError as error:
        raise GradeError(f"The simulated account did not answer: {error}.",
                         "Check it with `grade sandbox status`.") from None


def _as_root(options: argparse.Namespace) -> Session:
    return _signin("root", options.password, options.mfa_code)


# -- root's access keys --------------------------------------------------------------

def root_keys(options: argparse.Namespace) -> int:
    session = _as_root(options)
    try:
        payload = {"action": options.action}
        if options.key:
            payload["accessKeyId"] = options.key
        answer = session.post("root-access-keys", payload)
    finally:
        session.close()
    if "accessKey" in answer:
        key = answer["accessKey"]
        print(f"Created root access key {key['accessKeyId']} "
              f"(secret {key['secretAccessKey']}): you should not need it.")
        return 0
    keys = answer.get("accessKeys", [])
    if not keys:
        print("The root user has no access keys.")
    for key in keys:
        used = key["lastUsed"] or "never"
        print(f"{key['accessKeyId']}  {key['status']:<8}  created {key['created']}  "
              f"last used {used}")
    return 0


# -- billing access ------------------------------------------------------------------

def billing_access(options: argparse.Namespace) -> int:
    """`enable`, `disable` (exit 0 done), `status` (prints `on` or `off`)."""
    session = _as_root(options)
    try:
        answer = session.post("billing-access", {"action": options.action})
    finally:
        session.close()
    state = answer.get("iamAccessToBilling", "off")
    if options.action == "status":
        print(state)
    else:
        print(f"IAM user and role access to billing information is {state}.")
    return 0


# -- root's MFA ----------------------------------------------------------------------

def root_mfa(options: argparse.Namespace) -> int:
    session = _as_root(options)
    try:
        payload: dict[str, Any] = {"action": options.action}
        if options.name:
            payload["name"] = options.name
        if options.serial_number:
            payload["serialNumber"] = options.serial_number
        if options.action == "enable":
            if len(options.codes) != 2:
                raise GradeError("`grade console root-mfa enable` needs two consecutive "
                                 "codes from the device.",
                                 "Run: grade console root-mfa enable CODE1 CODE2")
            payload["code1"], payload["code2"] = options.codes
        elif options.codes:
            raise GradeError(f"unrecognized arguments: {' '.join(options.codes)}.",
                             "See `grade console root-mfa -h`.")
        answer = session.post("root-mfa", payload)
    finally:
        session.close()
    if options.action == "create":
        return _created(answer, options.json)
    devices = answer.get("mfaDevices", [])
    if options.json:
        print(json.dumps({"mfaDevices": devices}))
        return 0
    if options.action == "enable":
        print("Root's MFA device is assigned: signing in as root now takes a code from it.")
    elif options.action == "remove":
        print("Root's MFA device is removed.")
    if not devices:
        print("The root user has no MFA device.")
    for device in devices:
        print(f"{device['serialNumber']}  enabled {device['enableDate']}")
    return 0


def _created(answer: dict[str, Any], as_json: bool) -> int:
    """Write the new device's QR code to a file only its owner reads; say what next."""
    name = str(answer["serialNumber"]).rsplit("/", 1)[-1]
    image = paths.private_dir(paths.grade_home() / "console") / f"{name}-qr.png"
    paths.write_private(image, base64.b64decode(answer["qrCodePng"]))
    if as_json:
        print(json.dumps({"serialNumber": answer["serialNumber"],
                          "base32StringSeed": answer["base32StringSeed"],
                          "qrCodePng": str(image)}))
        return 0
    print(f"Created virtual MFA device {answer['serialNumber']} for the root user.\n"
          f"Scan its QR code with your authenticator app: {image}\n"
          f"(or type its secret key: {answer['base32StringSeed']}).\n"
          "Then assign it with two consecutive codes from the app:\n"
          "  grade console root-mfa enable CODE1 CODE2")
    return 0

