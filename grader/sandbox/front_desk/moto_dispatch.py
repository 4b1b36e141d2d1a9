"""Handing a request to moto: the application of the service the request was signed for.

`dispatch` runs one request through moto's application for its service and turns
what goes wrong there into AWS's answer; `moto_has` says whether moto models a
service at all (or the account adds it: `added_services`).
"""

from __future__ import annotations

import functools
import importlib
import io
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.wrappers import Response

from grader.sandbox.front_desk import aws_errors, operations


def moto_apps() -> DomainDispatcherApplication:
    """moto's applications, one per service, made when first asked for."""
    return DomainDispatcherApplication(_backend_app)


def _backend_app(service: Any) -> Any:
    app = create_backend_app(service)
    app.config["PROPAGATE_EXCEPTIONS"] = True  # let `dispatch` turn them into 4xx
    return app


def dispatch(moto: DomainDispatcherApplication, environ: dict[str, Any], body: bytes,
             service: str, operation: str) -> Response:
    """moto's answer to a request for `operation` of `service`, as a Response (a 400 of
    AWS's shape when moto fails on it, or runs another operation than `operation`)."""
    inner = dict(environ)
    inner["wsgi.input"] = io.BytesIO(body)
    inner["CONTENT_LENGTH"] = str(len(body))
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> Any:
        captured["status"] = int(status.split()[0])
        captured["headers"] = headers
        return lambda data: None

    token = operations.EXPECTED.set(operation)
    try:
        chunks = _service_app(moto, service)(inner, start_response)
        payload = b"".join(chunks)
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    except NotImplementedError:
        return aws_errors.unsupported(service, operation)
    except operations.OperationMismatch as mismatch:
        return aws_errors.error_response(
            service, 400, "InvalidAction",
            f"The request is ambiguous: {mismatch}. Nothing was done.")
    except Exception as error:
        return aws_errors.error_response(
            service, 400, "SimulatorError",
            f"The simulated account failed on {operation or 'this request'}: {error!r}",
        )
    finally:
        operations.EXPECTED.reset(token)
    return Response(payload, captured["status"], captured["headers"])

def _service_app(moto: DomainDispatcherApplication, service: str) -> Any:
    """moto's application for the service the request was signed for: the service
    that runs it is the one whose name the signature carries, whatever else the
    request says (moto's own routing would also look at the body and the path)."""
    with moto.lock:
        app = moto.app_instances.get(service)
        if app is None:
            app = moto.create_app(service)  # type: ignore[arg-type]
            moto.app_instances[service] = app
    return app



@functools.cache
def moto_has(service: str) -> bool:
    """Whether moto models `service` (moto lists its folders: once per service) and can
    serve it here: what its models import is installed. The course installs moto with its
    extras for the services the course uses only (pyproject.toml), so moto's CloudFormation,
    API Gateway, AppSync... are refused as not supported, not failed on."""
    from moto.backends import list_of_moto_modules

    from grader.sandbox.added_services import ADDED

    if service in ADDED:
        return True
    if service not in set(list_of_moto_modules()):
        return False
    if service not in _IMPORTABLE:  # once per service moto has: never a request's own name
        try:
            importlib.import_module(f"moto.{service}.urls")
            _IMPORTABLE[service] = True
        except ModuleNotFoundError:
            _IMPORTABLE[service] = False
    return _IMPORTABLE[service]


_IMPORTABLE: dict[str, bool] = {}
