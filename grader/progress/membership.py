"""Whether this learner sends their gradings to an instructor's server, and where.

`grade join URL CODE` writes `GRADE_HOME/server.json` (owner-only: it holds the
learner's token, their only proof of who they are to the server); `grade
leave` removes it. Beside it, `server-acks.json` keeps, per simulated account,
the last event of its record the server acknowledged, so that the next
submission sends only what came after.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from grader.errors import GradeError
from grader.paths import grade_home, write_private

MEMBERSHIP_FILE = "server.json"
ACKS_FILE = "server-acks.json"


@dataclass(frozen=True)
class Membership:
    """A learner's place in an instructor's cohort."""

    url: str  # the server's address, as given to `grade join` (no trailing slash)
    learner: str  # the server's id for this learner
    token: str  # the learner's secret token
    cohort: str
    name: str
    joined_at: str


def joined() -> bool:
    """Whether the learner joined a cohort (without reading the file: `load` does)."""
    return (grade_home() / MEMBERSHIP_FILE).exists()


def load(home: Path | None = None) -> Membership | None:
    """The membership, None when the learner has not joined (or has left)."""
    path = (home or grade_home()) / MEMBERSHIP_FILE
    if not path.exists():
        return None
    try:
        return Membership(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError) as error:
        raise GradeError(f"{path} is damaged ({error}).",
                         "Run `grade leave`, then `grade join URL CODE` again.") from None


def save(membership: Membership) -> None:
    write_private(grade_home() / MEMBERSHIP_FILE, json.dumps(asdict(membership), indent=2))


def forget() -> bool:
    """Remove the membership (and the acknowledgements); whether there was one."""
    home = grade_home()
    (home / ACKS_FILE).unlink(missing_ok=True)
    path = home / MEMBERSHIP_FILE
    if not path.exists():
        return False
    path.unlink()
    return True


def acknowledged(account_id: str) -> tuple[int, str] | None:
    """(seq, link) of the last event of `account_id`'s record the server acknowledged."""
    acks = _acks()
    ack = acks.get(account_id)
    if not isinstance(ack, dict):
        return None
    seq, link = ack.get("seq"), ack.get("link")
    if isinstance(seq, int) and isinstance(link, str):
        return seq, link
    return None


def acknowledge(account_id: str, seq: int, link: str) -> None:
    acks = _acks()
    acks[account_id] = {"seq": seq, "link": link}
    write_private(grade_home() / ACKS_FILE, json.dumps(acks, indent=2))


def _acks() -> dict[str, Any]:
    path = grade_home() / ACKS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or damaged: the next submission sends the whole record
    return data if isinstance(data, dict) else {}
