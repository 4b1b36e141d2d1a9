"""`grade console ...`: the simulated account's console, from the terminal.

    grade console signin root            sign in as the root user (asks the password)
    grade console signin alice           sign in as IAM user alice
    grade console root-keys              list the root user's access keys
    grade console root-keys delete KEY   delete one (also: deactivate, activate, create)

Each command is recorded as the AWS console's would be (a `ConsoleLogin`
event for each sign-in). The same console is a small web page at
`<endpoint>/_sandbox/console/` (`grade sandbox start` prints the address).
"""

from __future__ import annotations

import getpass
import json
import sys
import urllib.error
import urllib.request
from typing import Any

from grader.errors import GradeError
from grader.sandbox import control


def _password(given: str | None, who: str) -> str:
    if given:
        return given
    if sys.stdin.isatty():
        return getpass.getpass(f"Password for {who}: ")
    line = sys.stdin.readline().rstrip("\n")
    if not line:
        raise GradeError(f"No password given for {who}.",
                         "Pass --password or type it when asked.")
    return line


def _post(path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    running = control.require()
    request = urllib.request.Request(
        running.endpoint + "/_sandbox/console/" + path, data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    try:
        with control.loopback_open(request, timeout=10) as answer:  # never through a proxy
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except OSError as error:
        raise GradeError(f"The simulated account did not answer: {error}.",
                         "Check it with `grade sandbox status`.") from None


def signin(who: str, password: str | None) -> int:
    status, answer = _post("signin", {"user": who, "password": _password(password, who)})
    if status != 200:
        print(f"Sign-in failed: {answer.get('error', 'refused')}", file=sys.stderr)
        return 1
    print(f"Signed in to the console as {answer['signedIn']}.")
    return 0


def root_keys(action: str, key_id: str | None, password: str | None) -> int:
    secret = _password(password, "the root user")
    status, answer = _post("signin", {"user": "root", "password": secret})
    if status != 200:
        print(f"Sign-in failed: {answer.get('error', 'refused')}", file=sys.stderr)
        return 1
    payload = {"password": secret, "action": action}
    if key_id:
        payload["accessKeyId"] = key_id
    status, answer = _post("root-access-keys", payload)
    if status != 200:
        print(f"Refused: {answer.get('error', 'unknown error')}", file=sys.stderr)
        return 1
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
