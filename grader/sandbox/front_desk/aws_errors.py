"""AWS error responses, in the shape each protocol's clients expect.

The AWS CLI and boto3 read an error's code and message from XML for the
query protocol (IAM, STS) and for S3, and from JSON for the JSON protocols
(CloudTrail, Cost and Usage Reports). A 4xx status also tells them not to
retry, which is what the learner wants when the simulated account refuses.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from html import escape

from werkzeug.wrappers import Response

_JSON_SERVICES = {"cloudtrail", "cur", "budgets", "ce", "logs", "organizations", "account"}

INVALID_TOKEN = "The security token included in the request is invalid."


def protocol_of(service: str) -> str:
    """How the service's errors are written: "json", "rest-xml" or "query" (botocore's
    model says, for a service not in the short list of the usual ones)."""
    if service in _JSON_SERVICES:
        return "json"
    if service == "s3":
        return "rest-xml"
    return _modelled_protocol(service)


@functools.cache
def _modelled_protocol(service: str) -> str:
    try:
        from moto.core.utils import get_service_model

        protocol = str(get_service_model(service).protocol)
    except Exception:  # not a service botocore knows: AWS's query errors
        return "query"
    return "json" if protocol in ("json", "rest-json") else \
        "rest-xml" if protocol == "rest-xml" else "query"


def error_response(service: str, status: int, code: str, message: str) -> Response:
    """An error that the AWS CLI and boto3 show as `code: message`."""
    request_id = str(uuid.uuid4())
    protocol = protocol_of(service)
    headers = {"x-amzn-RequestId": request_id}
    if protocol == "json":
        headers["x-amzn-ErrorType"] = code
        body = json.dumps({"__type": code, "message": message})
        return Response(body, status, headers, content_type="application/x-amz-json-1.1")
    if protocol == "rest-xml":
        body = (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message><RequestId>{request_id}</RequestId></Error>"
        )
        return Response(body, status, headers, content_type="application/xml")
    body = (
        "<ErrorResponse><Error><Type>Sender</Type>"
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return Response(body, status, headers, content_type="text/xml")


def invalid_key(service: str) -> Response:
    """What AWS answers to a request signed with an unknown or inactive key."""
    if service == "s3":
        return error_response(
            service, 403, "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    if protocol_of(service) == "json":
        return error_response(service, 400, "UnrecognizedClientException", INVALID_TOKEN)
    return error_response(service, 403, "InvalidClientTokenId", INVALID_TOKEN)


def unsupported(service: str, operation: str) -> Response:
    """A fast, clear refusal for what the simulated account does not model."""
    code = "UnknownOperationException" if protocol_of(service) == "json" else "InvalidAction"
    what = f"{service}:{operation}" if operation else f"the {service} service"
    return error_response(
        service, 400, code,
        f"The simulated account does not support {what}. "
        "Use a real sandbox account for it, or tell the course authors you need it.",
    )


_XML_CODE = re.compile(rb"<Code>([^<]+)</Code>")
_XML_MESSAGE = re.compile(rb"<Message>([^<]*)</Message>")


def parse_error(status: int, headers: dict[str, str], body: bytes) -> tuple[str | None, str | None]:
    """The (code, message) of an error response, (None, None) for a success."""
    if status < 400:
        return None, None
    code = headers.get("x-amzn-ErrorType", "").split(":")[0] or None
    message = None
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        try:
            data = json.loads(stripped)
            code = code or str(data.get("__type", "")).split("#")[-1] or None
            message = data.get("message") or data.get("Message")
        except ValueError:
            pass
    else:
        found = _XML_CODE.search(body)
        if found:
            code = found.group(1).decode(errors="replace")
        found_message = _XML_MESSAGE.search(body)
        if found_message:
            message = found_message.group(1).decode(errors="replace")
    return code or f"HTTP{status}", message
