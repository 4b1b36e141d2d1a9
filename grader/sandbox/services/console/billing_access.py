"""Root's console switch for IAM user and role access to billing information.

`enable` and `disable` change it (recorded as `UpdateIAMAccessPreference`,
a root-only task), `status` reads it (`GetIAMAccessPreference`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.sandbox.services.billing.models import iam_access_enabled, set_iam_access

if TYPE_CHECKING:
    from grader.sandbox.services.console import Change, Console

SERVICE = "billing"  # CloudTrail's event source: billing.amazonaws.com


def act(console: Console, payload: dict[str, Any]) -> Change:
    from grader.sandbox.services.console import Change

    action = str(payload.get("action", ""))
    if action == "status":
        return Change("GetIAMAccessPreference", _state(console.iam), read_only=True,
                      service=SERVICE)
    if action not in ("enable", "disable"):
        return Change("GetIAMAccessPreference", read_only=True, service=SERVICE,
                      error=f"Unknown action {action!r}; choose enable, disable or status.")
    set_iam_access(console.iam, action == "enable")
    preference = "ENABLED" if action == "enable" else "DISABLED"
    return Change("UpdateIAMAccessPreference", _state(console.iam), service=SERVICE,
                  parameters={"iamAccessPreference": preference},
                  response={"iamAccessPreference": preference})


def _state(iam: Any) -> dict[str, Any]:
    return {"iamAccessToBilling": "on" if iam_access_enabled(iam) else "off"}
