"""Requests and answers as WSGI has them, for the account's front desk.

`read_body` reads a request's body within the limit the door sets; `raw_request`
keeps what is needed to send a request again (the record keeps it with its event),
and `environ_for` makes the request again from it (`replay`, `bootstrap`);
`json_response` is how the account's own endpoints answer.
"""

from __future__ import annotations

import io
import json
from typing import Any

from werkzeug.wrappers import Response

from grader.sandbox.front_desk import authentication, aws_errors


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request's body, at most `limit` bytes (`Refused` beyond, or for a bad length)."""
    stream = environ["wsgi.input"]
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
        body = bytes(stream.read(limit + 1))
        if len(body) > limit:
            raise authentication.too_large(environ, limit)
        return body
    text = (environ.get("CONTENT_LENGTH") or "0").strip()
    if not text.isdigit():
        raise authentication.Refused(aws_errors.error_response(
            authentication.service_guess(environ), 400, "InvalidRequest",
            f"Content-Length {text[:40]!r} is not a number of bytes."))
    length = int(text)
    if length > limit:
        raise authentication.too_large(environ, limit)
    return bytes(stream.read(length)) if length > 0 else b""


def raw_request(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The parts of a request needed to send it again."""
    headers = {k: str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["CONTENT_TYPE"] = environ["CONTENT_TYPE"]
    return {
        "method": environ.get("REQUEST_METHOD", "GET"),
        "path": environ.get("PATH_INFO", "/"),
        "query": environ.get("QUERY_STRING", ""),
        "headers": headers,
        "body": body,
    }


def environ_for(method: str, path: str, query: str, headers: dict[str, str],
                body: bytes) -> dict[str, Any]:
    """A WSGI environ for a recorded request (the inverse of `raw_request`)."""
    environ: dict[str, Any] = dict(headers)
    environ.update({
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    })
    return environ


def json_response(data: Any, status: int = 200) -> Response:
    """`data` as a JSON answer (what JSON cannot hold, as text)."""
    return Response(json.dumps(data, default=str), status, content_type="application/json")
