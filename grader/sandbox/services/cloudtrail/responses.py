"""CloudTrail's API where moto has none: LookupEvents and ListPublicKeys.

LookupEvents answers from the account's record (`lookup`); ListPublicKeys
lists the Region's digest-signing keys valid in the time asked for
(`signing_keys`; StartTime and EndTime default to the account's time now).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from moto.cloudtrail.responses import CloudTrailResponse
from moto.core.exceptions import JsonRESTError

from grader.sandbox.moto_patches import adds
from grader.sandbox.services.cloudtrail.lookup import lookup, moment_of
from grader.sandbox.services.cloudtrail.signing_keys import keys_between

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp

_attached: dict[str, Any] = {}


class InvalidTimeRangeException(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("InvalidTimeRangeException",
                         "Occurs if the timestamp values are not valid. Either the start time "
                         "occurs after the end time, or the time range is outside the range "
                         "of possible values.")


def attach(app: SandboxApp) -> None:
    """Answer LookupEvents and ListPublicKeys for `app`'s account (when it starts, and
    when it is taken up again: `rebuild.point_at`)."""
    _attached["app"] = app


def _app() -> SandboxApp:
    app: SandboxApp = _attached["app"]
    return app


def _lookup_events(self: CloudTrailResponse) -> str:
    app = _app()
    params = json.loads(self.body or "{}")
    return json.dumps(lookup(app.record, app.account.account_id, params))


def _list_public_keys(self: CloudTrailResponse) -> str:
    app = _app()
    params = json.loads(self.body or "{}")
    now = app.clock.now()
    start = moment_of(params.get("StartTime")) or now
    end = moment_of(params.get("EndTime")) or now
    if start > end:
        raise InvalidTimeRangeException()
    account = app.account
    keys = keys_between(account.seed, account.opened, self.region, max(start, account.opened),
                        max(end, account.opened))
    return json.dumps({"PublicKeyList": [key.listed() for key in keys]})


_RESPONSE = "moto.cloudtrail.responses:CloudTrailResponse"
PATCHES = (adds(_RESPONSE, "lookup_events", _lookup_events),
           adds(_RESPONSE, "list_public_keys", _list_public_keys))
