"""Who may knock: the first things the front desk checks on every request, as AWS does.

- The request is addressed to this machine (`Host` is a loopback name), so
  a web page cannot reach the account through a rebound DNS name, and it
  carries no `Origin` of another site.
- It is signed with AWS Signature Version 4 in an `Authorization` header
  that parses completely. Anything else (no signature, a header that does
  not parse, a presigned URL, which this account does not take) is refused
  here: nothing unsigned reaches a service, not even S3.
- Its `X-Amz-Date` is within 15 minutes of this machine's clock, and its
  credential scope's date is that day, as AWS requires. This machine's, not
  the account's (`clock`): the AWS CLI and boto3 sign with the machine's
  clock, which `grade sandbox advance` does not move.
- Its body is within the size AWS would accept for the service.

The key's owner and the signature itself are checked next (`callers`,
`signatures`), once the key is known.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from grader.sandbox.front_desk import aws_errors

SKEW = dt.timedelta(minutes=15)
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 +Credential=(?P<key>[A-Z0-9]{16,128})/(?P<date>\d{8})/"
    r"(?P<region>[a-z0-9-]+)/(?P<service>[a-z0-9-]+)/aws4_request, *"
    r"SignedHeaders=(?P<signed>[a-z0-9-]+(;[a-z0-9-]+)*), *Signature=(?P<signature>[0-9a-f]{64})$"
)
_SCOPE_SERVICE = re.compile(r"Credential=[^/]*/[^/]*/[^/]*/([a-z0-9-]+)/")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}

# The largest request body the simulated account reads, per service (S3 takes
# objects; every other API takes parameters, which AWS caps far lower).
MAX_BODY = {"s3": 64 * 1024 * 1024}
MAX_BODY_DEFAULT = 1024 * 1024


@dataclass(frozen=True)
class Credentials:
    """What a well-formed SigV4 `Authorization` header says about its request."""

    access_key_id: str
    date: str  # the credential scope's day, YYYYMMDD
    region: str
    service: str
    signed_headers: tuple[str, ...]


class Refused(Exception):
    """The request stops at the door; `response` is AWS's answer."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def service_guess(environ: dict[str, Any]) -> str:
    """The service a request is probably for, only to answer an error in its format."""
    found = _SCOPE_SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if found:
        return found.group(1)
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "cloudtrail"  # a JSON-protocol error shape
    if "Action=" in environ.get("QUERY_STRING", "") or environ.get("CONTENT_TYPE", "").startswith(
            "application/x-www-form-urlencoded"):
        return "iam"  # a query-protocol error shape
    return "s3"


def check_addressed_here(environ: dict[str, Any]) -> None:
    """Refuse a request for another host (DNS rebinding) or from another site's page."""
    host = environ.get("HTTP_HOST", "")
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if name not in _LOOPBACK and not name.endswith(".localhost"):
        raise Refused(aws_errors.error_response(
            service_guess(environ), 400, "InvalidHost",
            f"The simulated account answers requests addressed to 127.0.0.1 or localhost, "
            f"not {host or 'no host'}."))
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and origin.split("://", 1)[-1] != host:
        raise Refused(aws_errors.error_response(
            service_guess(environ), 403, "AccessDenied",
            "The simulated account does not answer requests from other sites' pages."))


def body_limit(environ: dict[str, Any]) -> int:
    """How many body bytes this request may have: 413-style refusal beyond."""
    found = _SCOPE_SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return MAX_BODY.get(found.group(1) if found else "", MAX_BODY_DEFAULT)


def too_large(environ: dict[str, Any], limit: int) -> Refused:
    service = service_guess(environ)
    if service == "s3":
        return Refused(aws_errors.error_response(
            service, 400, "EntityTooLarge",
            f"Your proposed upload exceeds the maximum allowed size ({limit} bytes in the "
            "simulated account)."))
    return Refused(aws_errors.error_response(
        service, 413, "RequestEntityTooLarge",
        f"Request body too large: the simulated account takes at most {limit} bytes."))


def credentials_of(environ: dict[str, Any]) -> Credentials:
    """The request's SigV4 credentials; `Refused` for anything else."""
    header = environ.get("HTTP_AUTHORIZATION")
    query = environ.get("QUERY_STRING", "")
    if header is None:
        if "X-Amz-Signature=" in query or "X-Amz-Credential=" in query:
            raise Refused(aws_errors.error_response(
                "s3", 403, "AccessDenied",
                "The simulated account does not take presigned URLs: sign the request "
                "with an Authorization header (the AWS CLI and boto3 do)."))
        service = service_guess(environ)
        if service == "s3":
            raise Refused(aws_errors.error_response(service, 403, "AccessDenied",
                                                    "Access Denied"))
        raise Refused(aws_errors.error_response(service, 403, "MissingAuthenticationToken",
                                                "Request is missing Authentication Token"))
    found = _AUTHORIZATION.match(header.strip())
    if not found:
        service = service_guess(environ)
        if service == "s3":
            raise Refused(aws_errors.error_response(
                service, 400, "AuthorizationHeaderMalformed",
                "The authorization header is malformed; it must be AWS Signature Version 4: "
                "AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, "
                "SignedHeaders=..., Signature=..."))
        raise Refused(aws_errors.error_response(
            service, 400, "IncompleteSignature",
            f"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            f"header, and 'Credential', 'SignedHeaders' and 'Signature' parameters in AWS "
            f"Signature Version 4 form. Authorization={header[:200]}"))
    signed = tuple(found.group("signed").split(";"))
    service = found.group("service")
    if "host" not in signed:
        raise Refused(aws_errors.error_response(
            service, 403, "SignatureDoesNotMatch",
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."))
    return Credentials(found.group("key"), found.group("date"), found.group("region"), service,
                       signed)


def check_time(environ: dict[str, Any], credentials: Credentials, now: dt.datetime) -> None:
    """Refuse a request dated more than 15 minutes from `now`, or not on its scope's day.

    `now` is this machine's clock (`clock.wall_clock`), the one clients sign with; never
    the account's time, which runs ahead of it once the account's clock is advanced."""
    stamp = environ.get("HTTP_X_AMZ_DATE", "")
    service = credentials.service
    try:
        sent = dt.datetime.strptime(stamp, _AMZ_DATE).replace(tzinfo=dt.UTC)
    except ValueError:
        raise Refused(aws_errors.error_response(
            service, 403 if service == "s3" else 400,
            "AccessDenied" if service == "s3" else "IncompleteSignature",
            "AWS authentication requires a valid X-Amz-Date header (YYYYMMDD'T'HHMMSS'Z').",
        )) from None
    if stamp[:8] != credentials.date:
        raise Refused(aws_errors.error_response(
            service, 403, "SignatureDoesNotMatch",
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
            f"date from HTTP: '{credentials.date}' != '{stamp[:8]}', from '{stamp}'."))
    if abs(sent - now) <= SKEW:
        return
    if service == "s3":
        raise Refused(aws_errors.error_response(
            service, 403, "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large."))
    now_text = now.strftime(_AMZ_DATE)
    if sent < now:
        message = (f"Signature expired: {stamp} is now earlier than "
                   f"{(now - SKEW).strftime(_AMZ_DATE)} ({now_text} - 15 min.)")
    else:
        message = (f"Signature not yet current: {stamp} is still later than "
                   f"{(now + SKEW).strftime(_AMZ_DATE)} ({now_text} + 15 min.)")
    raise Refused(aws_errors.error_response(service, 403, "SignatureDoesNotMatch", message))
