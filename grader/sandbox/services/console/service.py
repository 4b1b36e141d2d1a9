"""The console's root-only tasks, as the account knows them
(`grader.sandbox.services.registry`): its pages and their endpoints (`Console`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader.sandbox.services.registry import Service

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp


def attach(app: SandboxApp) -> None:
    from grader.sandbox.services.console import Console

    Console(app)


SERVICE = Service(
    patches=(),
    added_to_moto=None,
    eager=False,
    attach=attach,
    points_at=None,
    resource_arn=None,
    iam_actions={},
    account_state=(),  # its sign-in sessions are the app's (closed on a start over)
)
