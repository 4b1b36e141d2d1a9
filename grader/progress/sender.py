"""Sending the outbox to the instructor's server: `python -m grader.progress.sender`.

`grade NN` starts this in the background after queueing a grading
(`start_in_background`); `grade submit` runs `flush` itself. One sender at a
time (a lock in the outbox). Submissions go oldest first; each leaves the
outbox once the server acknowledged it (2xx), and the server's answer says
which event of the record it now holds. When the server cannot be reached,
is busy (429) or failing (5xx), the rest wait for the next try. When the
server holds fewer events than this submission assumed (409 with its record's
head), the submission is made again from there, from the local record.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.progress import membership, outbox, server_api
from grader.progress.membership import Membership

LOCK_FILE = ".sending.lock"


@dataclass
class Flushed:
    sent: int = 0
    waiting: int = 0
    refused: list[str] = field(default_factory=list)
    unreachable: str | None = None  # why the rest wait


def start_in_background() -> None:
    """Start a sender process that outlives this one (its output goes nowhere)."""
    subprocess.Popen([sys.executable, "-m", "grader.progress.sender"],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)


def flush(member: Membership, wait_for_lock: bool = True) -> Flushed | None:
    """Send every queued submission that can be sent now; None when another sender
    holds the lock and `wait_for_lock` is False."""
    lock = os.open(outbox.folder() / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait_for_lock else fcntl.LOCK_NB))
        except BlockingIOError:
            return None
        return _flush_locked(member)
    finally:
        os.close(lock)


def _flush_locked(member: Membership) -> Flushed:
    done = Flushed()
    tried: set[Path] = set()
    while True:  # again until no new submission was queued meanwhile
        files = [p for p in outbox.waiting() if p not in tried]
        if not files:
            done.waiting = len(outbox.waiting())
            return done
        for path in files:
            tried.add(path)
            answer = _send(member, path)
            if 200 <= answer.status < 300:
                path.unlink(missing_ok=True)
                done.sent += 1
            elif answer.status == 0 or answer.status == 429:  # the server: away, or busy
                done.unreachable = answer.reason
                done.waiting = len(outbox.waiting())
                return done
            elif answer.status >= 500:  # this one failed there: it waits, the rest go on
                done.unreachable = f"HTTP {answer.status}: {answer.reason}"
            else:
                outbox.refuse(path, f"HTTP {answer.status}: {answer.reason}")
                done.refused.append(f"{path.name}: {answer.reason}")


def _send(member: Membership, path: Path) -> server_api.Answer:
    body = path.read_bytes()
    answer = server_api.submit(member.url, member.token, body)
    if answer.status == 409 and isinstance(answer.body.get("record"), dict):
        remade = _from_servers_head(body, answer.body["record"])
        if remade is not None:
            path.write_bytes(remade)  # the same submission, its record slice moved
            answer = server_api.submit(member.url, member.token, remade)
    if 200 <= answer.status < 300:
        _remember_head(answer.body.get("record"))
    return answer


def _remember_head(head: Any) -> None:
    if isinstance(head, dict) and isinstance(head.get("accountId"), str) \
            and isinstance(head.get("seq"), int) and isinstance(head.get("link"), str):
        membership.acknowledge(head["accountId"], head["seq"], head["link"])


def _from_servers_head(body: bytes, head: dict[str, Any]) -> bytes | None:
    """The submission in `body` again, its record slice starting after the event the
    server holds (`head`) if this machine's record still has it, else the whole record,
    marked as rewound; None when nothing better can be sent."""
    from grader.progress.submission import parse
    from grader.progress.submitting import local_slice

    submission = parse(body)
    previous = submission.record
    if previous is None:
        return None
    seq, link = head.get("seq"), head.get("link")
    known = (seq, link) if isinstance(seq, int) and isinstance(link, str) else (-1, "")
    again = local_slice(known, previous.head[0])
    if again is None or (again.rewound and previous.after_seq == 0 and previous.rewound):
        return None  # no record here, or already the whole record: the server will not take it
    return replace(submission, record=again).encode()


def main() -> None:
    """The background sender: flush once, quietly (another sender running: nothing)."""
    member = membership.load()
    if member is not None:
        flush(member, wait_for_lock=False)


if __name__ == "__main__":
    main()
