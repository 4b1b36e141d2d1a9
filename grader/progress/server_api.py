"""The instructor's server's HTTP API, as `grade` calls it.

    POST /api/join          {"code", "name"} -> {"learner", "token", "cohort"}
    POST /api/submissions   a submission (gzip JSON), signed -> {"id", "record"}
    POST /api/leave         the learner's token is revoked

Every answer is JSON; a refusal is `{"error", "fix"}` with a 4xx status.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from grader.errors import GradeError
from grader.progress.submission import SIGNATURE_HEADER, sign

TIMEOUT = 20.0
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Answer:
    status: int  # 0: the server could not be reached
    body: dict[str, Any]
    retry_after: float | None = None

    @property
    def reason(self) -> str:
        said = self.body.get("error") or self.body.get("unreachable") or f"HTTP {self.status}"
        return str(said)


def check_url(url: str) -> str:
    """The server's address without a trailing slash; GradeError unless http(s)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GradeError(f"{url!r} is not a server's address.",
                         "Give it as your instructor wrote it, as https://grades.example.org.")
    return url.strip().rstrip("/")


def post(url: str, path: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to the server; an `Answer` whatever happens (status 0: unreachable)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    # The learner's proxy settings count, except for a server on this machine.
    handlers = [urllib.request.ProxyHandler({})] if host in _LOOPBACK else []
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url + path, data=body, method="POST",
                                     headers={"User-Agent": "grade", **headers})
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            return Answer(response.status, _json(response.read()))
    except urllib.error.HTTPError as error:
        retry = error.headers.get("Retry-After") if error.headers else None
        return Answer(error.code, _json(error.read()),
                      float(retry) if retry and retry.isdigit() else None)
    except (OSError, ValueError) as error:  # refused, timed out, DNS, TLS...
        return Answer(0, {"unreachable": str(getattr(error, "reason", error))})


def join(url: str, code: str, name: str) -> Answer:
    body = json.dumps({"code": code, "name": name}).encode()
    return post(url, "/api/join", body, {"Content-Type": "application/json"})


def submit(url: str, token: str, body: bytes) -> Answer:
    return post(url, "/api/submissions", body, {
        "Content-Type": "application/json", "Content-Encoding": "gzip",
        "Authorization": f"Bearer {token}", SIGNATURE_HEADER: sign(token, body)})


def leave(url: str, token: str) -> Answer:
    return post(url, "/api/leave", b"", {"Authorization": f"Bearer {token}"})


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {"error": "The server answered something that is not JSON."}
    return data if isinstance(data, dict) else {}
