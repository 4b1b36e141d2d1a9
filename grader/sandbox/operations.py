"""Which AWS operation a request is, with what parameters, read from the request.

Uses moto's own router and request parsers, so every protocol (query, JSON,
REST-XML, REST-JSON) is understood the way moto understands it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

_SCOPE = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")


@dataclass(frozen=True)
class Signature:
    """What a SigV4 Authorization header says about its request."""

    access_key_id: str
    region: str
    service: str


def signature_of(authorization: str | None) -> Signature | None:
    if not authorization:
        return None
    found = _SCOPE.search(authorization)
    if not found:
        return None
    return Signature(found.group(1), found.group(3), found.group(4).lower())


@dataclass(frozen=True)
class Operation:
    name: str
    parameters: dict[str, Any]
    implemented_by_model: bool  # False when moto has no model for the service


def identify(service: str, environ: dict[str, Any], body: bytes) -> Operation:
    """The operation and parameters of a request, or name "" when unknown."""
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import Request, determine_request_protocol
    from moto.core.routing import get_service_router
    from moto.core.utils import get_service_model

    try:
        service_model = get_service_model(service)
    except Exception:
        return Operation("", {}, implemented_by_model=False)
    copy = dict(environ)
    copy["wsgi.input"] = io.BytesIO(body)
    request = Request(copy)
    try:
        operation_model, path_params = get_service_router(service).match(request)
    except Exception:
        return Operation("", {}, implemented_by_model=True)
    try:
        protocol = determine_request_protocol(service_model, request.content_type)
        parser = PROTOCOL_PARSERS[protocol](operation_model)
        values: Any = request.values if request.method != "GET" else MultiDict(request.args)
        parameters = parser.parse({
            "method": request.method,
            "values": values,
            "headers": request.headers,
            "body": body,
            "url_path": request.path,
            "url_params": path_params,
        })
    except Exception:
        parameters = {}
    return Operation(operation_model.name, dict(parameters), implemented_by_model=True)
