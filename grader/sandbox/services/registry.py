"""The account's services, each as its folder declares it: its `service.py`'s `SERVICE`.

Each service of the simulated account is a folder registered by one line in
`grader.services.SERVICES`. Its `service.py` holds one `Service`, every field required (a
folder that leaves one out fails when loaded, and `tests/test_services.py` walks every
registered service): the account reads nothing about a service from anywhere else.

- `patches`: what it changes in moto (`grader.sandbox.moto_patches`), applied once per
  process before the first request (`install`);
- `added_to_moto`: for a service moto does not have, the URL pattern at which our package
  answers as moto's (`grader.sandbox.added_services`); None when moto has it;
- `eager`: whether its backends are made when the account opens, before any request (a
  backend's constructor draws random ids: made inside a request, it would change that
  request's ids between the first run and a replay);
- `attach`: what it hangs on each account's application (control endpoints, hooks as
  time passes or events are recorded), and `points_at`: what in this process serves "the
  account" and must follow the account taken up (`rebuild.point_at`);
- `resource_arn` and `iam_actions`: for authorization, the resource a request acts on as
  IAM policies name it (None: "*" for all its requests) and the IAM actions of the
  operations whose names differ from them;
- `account_state`: what of each account it keeps in this process's own tables (beside
  moto's backends), to forget between accounts and to park and unpark (`parking`).

What the checks and CloudTrail's view need (the grader's read calls, the event source...)
is data, in the folder's `service.toml` (`grader.services`).

The account does what the services declare through the functions below, for every
registered service in the list's order: `install` (once per process), `create_backends`
and `create_apps` (the eager ones', when the account opens), `attach` and `point_at` (an
account's application), `forget`, `park` and `unpark` (the per-account state).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from grader import services
from grader.sandbox.moto_patches import Patch
from grader.services import DESCRIPTOR, ServiceData, ServiceFolder, load

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp

# (operation, parameters, account id, caller's name) -> the resource's ARN, or "*"
ResourceArn = Callable[[str, dict[str, Any], str, str], str]
Attach = Callable[["SandboxApp"], None]


class AccountState(Protocol):
    """State of each account that a service keeps in this process, outside moto's backends."""

    def forget(self) -> None:
        """Forget every account's."""

    def park(self, account_id: str) -> Any:
        """Take the account's out (none of it left here), and return it."""

    def unpark(self, account_id: str, parked: Any) -> None:
        """Put back what `park` took out."""


class PerAccount:
    """An `AccountState` kept as a dict by account id."""

    def __init__(self, table: dict[str, Any]) -> None:
        self.table = table

    def forget(self) -> None:
        self.table.clear()

    def park(self, account_id: str) -> Any:
        return self.table.pop(account_id, None)

    def unpark(self, account_id: str, parked: Any) -> None:
        if parked is not None:
            self.table[account_id] = parked


@dataclass(frozen=True)
class Service:
    """Everything the account needs to know about one service's code (see the module)."""

    patches: tuple[Patch, ...]
    added_to_moto: str | None
    eager: bool
    attach: Attach | None
    points_at: Attach | None
    resource_arn: ResourceArn | None
    iam_actions: Mapping[str, str]
    account_state: tuple[AccountState, ...]


@dataclass(frozen=True)
class Registered:
    """A registered service: where it is, its package, its descriptor and its data."""

    where: ServiceFolder
    package: ModuleType
    service: Service
    data: ServiceData | None

    @property
    def name(self) -> str:
        return self.where.package.rpartition(".")[2]

    @property
    def signing_name(self) -> str | None:
        return self.data.signing_name if self.data is not None else None


class DescriptorError(TypeError):
    """A registered service's folder has no valid `SERVICE`."""


def load_descriptor(where: ServiceFolder) -> Registered:
    """The service registered as `where`, its descriptor and data loaded and checked."""
    package = importlib.import_module(where.package)
    module = importlib.import_module(f"{where.package}.{DESCRIPTOR}")
    service = getattr(module, "SERVICE", None)
    if not isinstance(service, Service):
        raise DescriptorError(f"{module.__name__} declares no SERVICE (a Service)")
    data = load(where.folder)
    if service.added_to_moto is not None and data is None:
        raise DescriptorError(f"{where.package}: added to moto, but its service.toml "
                              "declares no API")
    return Registered(where, package, service, data)


_LOADED: dict[tuple[ServiceFolder, ...], tuple[list[Registered], dict[str, Registered]]] = {}


def registered() -> list[Registered]:
    """Every registered service, in the list's order (`grader.services.SERVICES`)."""
    return _loaded()[0]


def by_signing_name() -> dict[str, Registered]:
    """The registered services that answer an AWS API, by its signing name."""
    return _loaded()[1]


def _loaded() -> tuple[list[Registered], dict[str, Registered]]:
    key = tuple(services.SERVICES)  # read each time: a test may register one more
    found = _LOADED.get(key)
    if found is None:
        from grader.sandbox import moto_core

        moto_core.install()  # before any service's module imports moto
        loaded = [load_descriptor(where) for where in key]
        found = (loaded, {entry.signing_name: entry for entry in loaded
                          if entry.signing_name})
        _LOADED[key] = found
    return found


# -- what the account does with every registered service -----------------------------

def install() -> None:
    """Apply every service's patches (and moto's core's), and register the services moto
    lacks; once per process (`moto_patches` applies each patch once)."""
    from grader.sandbox import added_services, moto_core, moto_patches
    from grader.sandbox.front_desk import operations

    every = registered()
    patches = [*moto_core.PATCHES, *operations.PATCHES]
    for entry in every:
        patches.extend(entry.service.patches)
    moto_patches.apply(patches)
    for entry in every:
        if entry.service.added_to_moto is not None and entry.signing_name:
            added_services.register(entry.signing_name, entry.package,
                                    entry.service.added_to_moto)


def eager() -> list[str]:
    """The signing names of the services whose backends are made when the account opens,
    in the list's order (the order decides the ids they draw)."""
    return [entry.signing_name for entry in registered()
            if entry.service.eager and entry.signing_name]


def attach(app: SandboxApp) -> None:
    """Hang every service's part on `app` and point this process's at it."""
    for entry in registered():
        if entry.service.attach is not None:
            entry.service.attach(app)
    point_at(app)


def point_at(app: SandboxApp) -> None:
    """Point what serves "the account" in this process at `app`'s (each service's)."""
    for entry in registered():
        if entry.service.points_at is not None:
            entry.service.points_at(app)


def forget() -> None:
    """Forget every account's state the services keep outside moto's backends."""
    for entry in registered():
        for state in entry.service.account_state:
            state.forget()


def park(account_id: str) -> list[Any]:
    """Take the account's state out of every service's tables (in `registered()`'s order)."""
    return [state.park(account_id) for entry in registered()
            for state in entry.service.account_state]


def unpark(account_id: str, parked: list[Any]) -> None:
    """Put back what `park` took out."""
    states = [state for entry in registered() for state in entry.service.account_state]
    if len(states) != len(parked):
        raise ValueError("parked with other services than are registered now")
    for state, kept in zip(states, parked, strict=True):
        state.unpark(account_id, kept)
