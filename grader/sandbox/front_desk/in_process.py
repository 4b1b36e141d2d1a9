"""Requests to the simulated account answered in this process, without a socket: a
botocore session's clients (`route_in_process`) and the grader's control reads
(`control_in_process`) handed straight to the account's WSGI application, through the same
front desk as over HTTP (signature, authorization, record).

Two users: an instructor's server re-grading a rebuilt account
(`grader.sandbox.history.rebuild`), and a grading inside the learner's account process
(`grader.grading.in_account`), whose checks would otherwise call their own process over
the loopback.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote, urlsplit

# Where a client answered in this process is said to send its requests: never contacted.
IN_PROCESS_ENDPOINT = "http://127.0.0.1:9"


def route_in_process(session: Any, app: Any) -> None:
    """Have every client made from the botocore `session` send its requests to `app`
    (a WSGI application in this process) instead of over the network."""
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse

    from grader.sandbox.front_desk.wsgi import environ_for

    def send(request: Any, **_: Any) -> Any:
        url = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes | bytearray):
            body = body.read()
        given = {k: v.decode("utf-8") if isinstance(v, bytes) else str(v)
                 for k, v in request.headers.items()}
        headers = {"HTTP_" + k.upper().replace("-", "_"): v
                   for k, v in given.items() if k.lower() != "content-type"}
        if "Content-Type" in given:
            headers["CONTENT_TYPE"] = given["Content-Type"]
        headers.setdefault("HTTP_HOST", url.netloc)
        # As a WSGI server gives it: the path decoded, and as sent (the signature's).
        environ = environ_for(request.method, unquote(url.path or "/"), url.query, headers,
                              bytes(body))
        environ["RAW_URI"] = (url.path or "/") + (f"?{url.query}" if url.query else "")
        answer: dict[str, Any] = {}

        def start_response(status: str, response_headers: list[tuple[str, str]],
                           *_: Any) -> Any:
            answer["status"] = int(status.split()[0])
            answer["headers"] = dict(response_headers)
            return io.BytesIO().write

        chunks = app(environ, start_response)
        payload = b"".join(chunks)
        return AWSResponse(request.url, answer["status"], answer["headers"],
                           MockRawResponse(payload))

    session.register("before-send", send)


def control_in_process(app: Any, secret: str, path: str,
                       endpoint: str = IN_PROCESS_ENDPOINT) -> Any:
    """GET `/_sandbox/<path>` of `app` (a WSGI application in this process), as the grader
    with `secret` does over HTTP (`grader.checks.target.Target.control`): the JSON answer;
    ValueError when it refuses."""
    import json

    from grader.sandbox.front_desk.wsgi import environ_for
    from grader.sandbox.server import GRADER_TOKEN

    url = urlsplit(f"/_sandbox/{path}")
    headers = {"HTTP_HOST": urlsplit(endpoint).netloc,
               "HTTP_" + GRADER_TOKEN.upper().replace("-", "_"): secret}
    answer: dict[str, Any] = {}

    def start_response(status: str, _headers: list[tuple[str, str]], *_: Any) -> Any:
        answer["status"] = int(status.split()[0])
        return io.BytesIO().write

    payload = b"".join(app(environ_for("GET", unquote(url.path), url.query, headers, b""),
                           start_response))
    if answer.get("status") != 200:
        raise ValueError(f"/_sandbox/{path} answered {answer.get('status')}: {payload[:200]!r}")
    return json.loads(payload)
