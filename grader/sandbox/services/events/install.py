"""Send each recorded event to EventBridge (`models.send`), as it is recorded and as
the record is replayed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp


def attach(app: SandboxApp) -> None:
    from grader.sandbox.services.events.models import send

    app.on_recorded.append(
        lambda event: send(event, app.account.account_id, app.account.seed))
