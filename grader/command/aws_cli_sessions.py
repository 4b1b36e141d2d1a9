"""The AWS CLI's cached role sessions of the simulated account, judged by its clock.

A profile with `role_arn` and `mfa_serial` (exercise 04's) makes the AWS CLI
ask for an MFA code, call AssumeRole, and keep the session in
`~/.aws/cli/cache/` (a JSON file per session, the same in versions 1 and 2;
version 1 has no setting to move it) until its `Expiration`, judged by this
machine's clock with 15 minutes to spare. The simulated account judges the
same session by its own clock, which `grade sandbox advance` moves ahead: after
an advance of two hours, the CLI would keep sending a session the account
calls expired ("ExpiredToken") and never ask for a new code.

So each time `grade` moves the account's clock (`grade sandbox advance`,
`grade start NN`), and each time `grade sandbox env` runs, the cached
sessions *of this account* that its clock says are expired, or within the
CLI's 15 minutes of it, are forgotten: the CLI's next command asks for a code,
as it would have on AWS. Nothing else in the folder is read twice or touched:
a file is this account's only when it is a session of one of its roles
(`AssumedRoleUser.Arn` in this account) with a temporary key (`ASIA...`).

`file_cache` gives `grade`'s own botocore sessions the same cache, so that
`grade start 06` uses the session the AWS CLI already has instead of asking for
another code.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

REFRESH_WINDOW = dt.timedelta(minutes=15)  # botocore's expiry window for cached sessions


def cache_dir() -> Path:
    """The AWS CLI's cache of role sessions (`~/.aws/cli/cache`, both versions)."""
    return Path.home() / ".aws" / "cli" / "cache"


def file_cache() -> Any:
    """botocore's JSON file cache over the AWS CLI's folder (made only when written to)."""
    from botocore.utils import JSONFileCache

    return JSONFileCache(str(cache_dir()))


def _expiration(entry: dict[str, Any]) -> dt.datetime | None:
    raw = entry.get("Credentials", {}).get("Expiration")
    if not isinstance(raw, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def is_of_account(entry: dict[str, Any], account_id: str) -> bool:
    """Whether a cached entry is a role session of the account `account_id`."""
    arn = entry.get("AssumedRoleUser", {}).get("Arn")
    key = entry.get("Credentials", {}).get("AccessKeyId")
    return (isinstance(arn, str) and arn.startswith(f"arn:aws:sts::{account_id}:assumed-role/")
            and isinstance(key, str) and key.startswith("ASIA"))


def forget_expired(account_id: str, account_now: dt.datetime,
                   folder: Path | None = None) -> list[Path]:
    """Remove the cached sessions of `account_id` that expire within the CLI's window of
    `account_now` (the account's time); returns the files removed."""
    folder = folder or cache_dir()
    if not folder.is_dir():
        return []
    gone = []
    for path in sorted(folder.glob("*.json")):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if not isinstance(entry, dict) or not is_of_account(entry, account_id):
            continue
        expires = _expiration(entry)
        if expires is None or expires - account_now < REFRESH_WINDOW:
            try:
                path.unlink()
            except OSError:
                continue
            gone.append(path)
    return gone


def said(gone: list[Path]) -> str:
    """What to tell the learner about the sessions forgotten ("" for none)."""
    if not gone:
        return ""
    sessions = "session" if len(gone) == 1 else "sessions"
    return (f"The AWS CLI's MFA {sessions} in this account expired on its clock and "
            f"{'was' if len(gone) == 1 else 'were'} forgotten: your next `aws` command "
            "asks for a new MFA code.")
