"""Starting the simulated account over inside its running process (`grade sandbox reset`).

Stopping the process and starting a new one costs a second or more (moto's
import, AWS's managed policies). Instead, the running process keeps the old
record under archive/ (as a restart-based reset does), drops moto's state
for every service, and opens the account again exactly as a new process
would: same identity, same seed, so the same starting state and ids.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp


def start_over(app: SandboxApp, folder: Path) -> Path:
    """Archive the record and rebuild the opened account (call with `app.lock` held);
    returns the archive's folder."""
    from moto.core.base_backend import BackendDict
    from moto.core.model_instances import reset_model_data

    from grader.sandbox.clock import AccountClock
    from grader.sandbox.history import checkpoints
    from grader.sandbox.history.bootstrap import first_history, open_account
    from grader.sandbox.history.record import RECORD_FILE, Record
    from grader.sandbox.start_over.mark import StartOver, mark
    from grader.sandbox.start_over.replacing import archive_record

    replaced = StartOver("reset", 0, app.next_seq - 1, app.record.head)
    app.record.close()
    archive = archive_record(folder, "reset")
    app.record = Record(folder / RECORD_FILE)
    app.next_seq = 1
    app.clock = AccountClock()  # a new account's clock: no time advanced yet
    BackendDict.reset()
    reset_model_data()
    # What lives only in this process's memory (the bill's settled days, mails, console
    # sessions...), forgotten before the account opens again: opening it settles the days
    # since it was opened, as a new process would.
    for forget in app.on_start_over:
        forget()
    open_account(app)
    first_history(app)
    if replaced.replaced_seq:  # the new record says what it replaced
        app.append(mark(replaced, app.clock.now(), app.account.region))
    checkpoints.mark(folder, checkpoints.OPENED, app.next_seq - 1)
    with app.changed:
        app.generation = secrets.token_hex(8)
        app.changed.notify_all()
    return archive
