"""Points in the simulated account's record where an exercise can start over.

The record of who did what is never changed: that is what grading stands
on. But a learner who made a mistake that the record keeps for good (root
used after the switch, in 03) needs a way to try again without losing
earlier exercises' work. So `grade` notes how many events the record held
when the account was opened and when each hands-on exercise was first
passed (`checkpoints.json`, beside the record); `grade restart NN` then
rebuilds the account from the record up to the last checkpoint before NN
(the rest is archived, not deleted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grader.paths import write_private

CHECKPOINTS_FILE = "checkpoints.json"
OPENED = "opened"  # the account as `grade sandbox start` first made it


@dataclass(frozen=True)
class Checkpoint:
    name: str  # OPENED, or the exercise first passed there ("00-setup")
    events: int  # how many events the record held then


def load(folder: Path) -> dict[str, int]:
    """Checkpoints by name; empty when there are none (or the file is damaged)."""
    try:
        data = json.loads((folder / CHECKPOINTS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): int(v) for k, v in data.items() if isinstance(v, int) and v >= 0}


def mark(folder: Path, name: str, events: int) -> None:
    """Remember `name` at `events`, unless it is already remembered (first pass counts)."""
    known = load(folder)
    if name in known:
        return
    known[name] = events
    write_private(folder / CHECKPOINTS_FILE, json.dumps(known, indent=1, sort_keys=True) + "\n")


def forget_after(folder: Path, events: int) -> None:
    """Drop the checkpoints past `events` (their work is no longer in the account)."""
    kept = {k: v for k, v in load(folder).items() if v <= events}
    write_private(folder / CHECKPOINTS_FILE, json.dumps(kept, indent=1, sort_keys=True) + "\n")


def start_of(folder: Path, number: int) -> Checkpoint | None:
    """Where exercise `number` begins: the latest checkpoint of an earlier exercise, else
    the opened account; None when not even that is known (an account from before
    checkpoints were kept)."""
    known = load(folder)
    earlier = [Checkpoint(name, events) for name, events in known.items()
               if name[:2].isdigit() and int(name[:2]) < number]
    if earlier:
        return max(earlier, key=lambda c: c.events)
    if OPENED in known:
        return Checkpoint(OPENED, known[OPENED])
    return None
