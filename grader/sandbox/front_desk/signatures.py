"""Checking a request's AWS Signature Version 4, as AWS does.

A request signed with the right access key id but the wrong secret is
refused with `SignatureDoesNotMatch`, so that a learner who mistypes a
secret finds out here rather than on a real account. The signature is
recomputed with botocore's own signer from the request as it arrived.
"""

from __future__ import annotations

import hmac
import re
from typing import Any
from urllib.parse import quote

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
    r"SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})"
)
MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.")


def _environ_key(header: str) -> str:
    if header in {"content-type", "content-length"}:
        return header.upper().replace("-", "_")
    return "HTTP_" + header.upper().replace("-", "_")


def signature_matches(environ: dict[str, Any], body: bytes, secret: str) -> bool:
    """True when the request's SigV4 signature was made with `secret`."""
    found = _AUTHORIZATION.match(environ.get("HTTP_AUTHORIZATION", ""))
    if not found:
        return False
    key_id, _date, region, service, signed, signature = found.groups()
    headers: dict[str, str] = {}
    for name in signed.split(";"):
        value = environ.get(_environ_key(name))
        if value is None:
            return False
        headers[name] = str(value)
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(
        environ.get("PATH_INFO", "/"), safe="/~")
    path = raw.split("?", 1)[0]
    query = environ.get("QUERY_STRING", "")
    host = headers.get("host") or environ.get("HTTP_HOST", "")
    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=environ.get("REQUEST_METHOD", "GET"), url=url, data=body,
                         headers=headers)
    request.context["timestamp"] = headers.get("x-amz-date") or environ.get("HTTP_X_AMZ_DATE", "")
    signer_class = S3SigV4Auth if service == "s3" else SigV4Auth
    signer = signer_class(Credentials(key_id, secret), service, region)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)),
                                request)
    return hmac.compare_digest(expected, signature)
