"""The simulated account's services: the one list of them, and what each declares as data.

A service is a folder (`grader/sandbox/services/iam/`...) registered by one line in
`SERVICES`. The folder holds everything the rest of the account needs to know about it:
its code's part in `service.py` (a `grader.sandbox.services.registry.Service`: the moto
attributes it patches, what it attaches to the account, its resource ARNs, its
per-account state...)
and, in `service.toml`, what is plain data (`ServiceData`): its API's signing name, its
CloudTrail event source and data events, the operations that mint credentials, and the
read calls the checks may make. The data file is read here, without importing any of the
account's code, because the checks (`grader.readonly`, whose guard also runs against a
learner's real account) and CloudTrail's view of events (`grader.cloudtrail`) need it and
must not reach the account (`tests/test_layers.py`).

`service.toml` is validated when loaded (`ServiceDataError`, naming the file and the key):
a folder that does not answer an AWS API of its own (the console, the bill) says
`api = false`; one that does gives an `[api]` table with every key below, none optional.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

SERVICES_FOLDER = Path(__file__).parent / "sandbox" / "services"
DATA_FILE = "service.toml"
DESCRIPTOR = "service"  # the module of the folder's package holding `SERVICE`


@dataclass(frozen=True)
class ServiceFolder:
    """Where a service is: its package (to import its `service` module) and its folder."""

    package: str
    folder: Path


def _in_sandbox(name: str) -> ServiceFolder:
    return ServiceFolder(f"grader.sandbox.services.{name}", SERVICES_FOLDER / name)


# Every service of the simulated account, one line each. The order is the order they are
# installed in moto and attached to the account, and the order their backends are made
# when they are made at the account's opening (`eager`): that order decides the ids drawn
# when the account opens (the root user's key among them), so a new service goes at the
# end, and one made eagerly may change what every learner's record rebuilds into
# (`tests/test_old_record.py` says so).
SERVICES: list[ServiceFolder] = [
    _in_sandbox("console"),
    _in_sandbox("iam"),
    _in_sandbox("sts"),
    _in_sandbox("s3"),
    _in_sandbox("cloudtrail"),
    _in_sandbox("bcm_data_exports"),
    _in_sandbox("cur"),
    _in_sandbox("budgets"),
    _in_sandbox("sns"),
    _in_sandbox("ec2"),
    _in_sandbox("events"),
    _in_sandbox("billing"),
]


class ServiceDataError(ValueError):
    """A service's `service.toml` is missing, or lacks or mistypes a key."""


@dataclass(frozen=True)
class ServiceData:
    """What a service folder's `service.toml` declares about its AWS API.

    `signing_name`: the API's name in botocore and in SigV4 signatures ("bcm-data-exports");
    `event_source`: CloudTrail's `eventSource` of its calls; `data_events`: its operations
    CloudTrail logs as data events (not in the event history); `mints_credentials`: its
    operations that hand out credentials (the grader's key may not call them, and replay
    makes them again, read-only or not); `grader_calls`: the only operations of it the
    grader's own clients may send (`grader.readonly`)."""

    signing_name: str
    event_source: str
    data_events: frozenset[str]
    mints_credentials: frozenset[str]
    grader_calls: frozenset[str]


_API_KEYS = {"signing_name": str, "event_source": str, "data_events": list,
             "mints_credentials": list, "grader_calls": list}


def parse(text: str, where: str) -> ServiceData | None:
    """The data `text` (a `service.toml`) declares: None for `api = false`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ServiceDataError(f"{where}: not TOML ({error})") from None
    if set(data) != {"api"}:
        raise ServiceDataError(f"{where}: expected exactly one key, `api` (false, or a "
                               f"table), found {sorted(data)}")
    api = data["api"]
    if api is False:
        return None
    if not isinstance(api, dict):
        raise ServiceDataError(f"{where}: `api` is false or an [api] table")
    if set(api) != set(_API_KEYS):
        raise ServiceDataError(f"{where}: [api] needs exactly {sorted(_API_KEYS)}; missing "
                               f"{sorted(set(_API_KEYS) - set(api))}, unknown "
                               f"{sorted(set(api) - set(_API_KEYS))}")
    for key, kind in _API_KEYS.items():
        value = api[key]
        if kind is str and not (isinstance(value, str) and value):
            raise ServiceDataError(f"{where}: [api] {key} must be a non-empty string")
        if kind is list and not (isinstance(value, list)
                                 and all(isinstance(item, str) and item for item in value)):
            raise ServiceDataError(f"{where}: [api] {key} must be a list of names")
    return ServiceData(
        signing_name=api["signing_name"], event_source=api["event_source"],
        data_events=frozenset(api["data_events"]),
        mints_credentials=frozenset(api["mints_credentials"]),
        grader_calls=frozenset(api["grader_calls"]))


@functools.cache
def load(folder: Path) -> ServiceData | None:
    """What `folder/service.toml` declares (cached: the file does not change while a
    process runs); ServiceDataError when it is missing or wrong."""
    path = folder / DATA_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ServiceDataError(f"{path}: every service folder declares its data here "
                               f"({error.strerror})") from None
    return parse(text, str(path))


def apis() -> dict[str, ServiceData]:
    """The registered services that answer an AWS API, by signing name."""
    return _apis(tuple(SERVICES))


@functools.cache
def _apis(services: tuple[ServiceFolder, ...]) -> dict[str, ServiceData]:
    found: dict[str, ServiceData] = {}
    for entry in services:
        data = load(entry.folder)
        if data is not None:
            if data.signing_name in found:
                raise ServiceDataError(f"{entry.folder}: a second service signing as "
                                       f"{data.signing_name!r}")
            found[data.signing_name] = data
    return found


def api_of(signing_name: str) -> ServiceData | None:
    """What the registered service with `signing_name` declares (None: moto serves that
    API as it is, with no folder of ours)."""
    return apis().get(signing_name)


def grader_calls() -> frozenset[tuple[str, str]]:
    """(signing name, operation): every call the grader's clients may send."""
    return _grader_calls(tuple(SERVICES))


def minting_credentials() -> frozenset[tuple[str, str]]:
    """(signing name, operation): the registered services' calls that mint credentials."""
    return _minting_credentials(tuple(SERVICES))


@functools.cache
def _grader_calls(services: tuple[ServiceFolder, ...]) -> frozenset[tuple[str, str]]:
    return frozenset((name, operation) for name, data in _apis(services).items()
                     for operation in data.grader_calls)


@functools.cache
def _minting_credentials(services: tuple[ServiceFolder, ...]) -> frozenset[tuple[str, str]]:
    return frozenset((name, operation) for name, data in _apis(services).items()
                     for operation in data.mints_credentials)
