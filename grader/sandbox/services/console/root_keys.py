"""Root's access keys in the console: list them, create, (de)activate, delete.

The lesson has root delete its own access keys here, after checking when
each was last used: the console is where AWS lets root manage them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from grader.sandbox.services.iam.models import create_root_key, delete_root_key, root_of

if TYPE_CHECKING:
    from grader.sandbox.services.console import Change, Console

# action -> (the IAM operation CloudTrail records, whether it only reads)
ACTIONS = {
    "list": ("ListAccessKeys", True),
    "create": ("CreateAccessKey", False),
    "activate": ("UpdateAccessKey", False),
    "deactivate": ("UpdateAccessKey", False),
    "delete": ("DeleteAccessKey", False),
}


def act(console: Console, payload: dict[str, Any]) -> Change:
    """Do `payload["action"]` to root's keys (`payload["accessKeyId"]`)."""
    from grader.sandbox.services.console import Change

    action = str(payload.get("action", ""))
    if action not in ACTIONS:
        return Change("ListAccessKeys", read_only=True,
                      error=f"Unknown action {action!r}; choose one of {', '.join(ACTIONS)}.")
    operation, read_only = ACTIONS[action]
    key_id = str(payload.get("accessKeyId", ""))
    answer, error = _apply(console.iam, action, key_id)
    return Change(operation, answer, error=error, read_only=read_only,
                  parameters={"accessKeyId": key_id} if key_id else {},
                  resources=[{"type": "AWS::IAM::AccessKey", "name": key_id}] if key_id else [])


def _apply(iam: Any, action: str, key_id: str) -> tuple[dict[str, Any], str | None]:
    root = root_of(iam)
    assert root is not None
    if action == "list":
        return {"accessKeys": [_describe(k) for k in root.access_keys]}, None
    if action == "create":
        try:
            key = create_root_key(iam, root)
        except Exception as error:
            return {}, str(getattr(error, "message", error))
        return {"accessKey": {**_describe(key), "secretAccessKey": key.secret_access_key}}, None
    existing = root.key(key_id)
    if existing is None:
        return {}, f"The root user has no access key {key_id!r}."
    if action == "delete":
        delete_root_key(iam, root, existing)
    else:
        existing.status = "Active" if action == "activate" else "Inactive"
    return {"accessKeys": [_describe(k) for k in root.access_keys]}, None


def _describe(key: Any) -> dict[str, Any]:
    used = key.last_used
    return {
        "accessKeyId": key.access_key_id,
        "status": key.status,
        "created": key.create_date.isoformat(),
        "lastUsed": used.timestamp.isoformat() if used else None,
    }
