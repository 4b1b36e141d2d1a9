"""`grade sandbox reset | archives | restore NAME`: start the simulated account over,
and bring back an account that a reset or a restart put away (`sandbox.start_over.archives`)."""

from __future__ import annotations

import json
from pathlib import Path

from grader.command.asking import confirmed
from grader.command.report import wrap
from grader.errors import GradeError
from grader.paths import sandbox_dir
from grader.sandbox import control
from grader.sandbox.history import checkpoints
from grader.sandbox.start_over import archives, replacing


def reset(assume_yes: bool) -> int:
    folder = sandbox_dir()
    held = archives.held_by(folder)
    opened = checkpoints.OPENED in checkpoints.load(folder)
    if _untouched(folder, opened, held):
        print(wrap("The simulated account is already in its starting state: nothing was "
                   "done in it since it was opened. Nothing was changed."))
        return 0
    work = f", with the work of the exercises passed in it: {', '.join(held.passed)}" \
        if held.passed else ""
    what = f"everything done in it since then is undone ({archives.requests(held.requests)}" \
        f"{work})" \
        if opened else "everything done in it is undone"
    print(wrap(f"This starts your simulated account over, as it was when it was opened: "
               f"{what}. Your progress is kept, and the old account is archived, so that "
               "`grade sandbox restore NAME` can bring it back."))
    if not assume_yes and not confirmed("grade sandbox reset", "Start the account over?"):
        print("Nothing was changed.")
        return 1
    running, archive = start_over(folder)
    print()
    print(f"The simulated AWS account is back to its starting state, at {running.endpoint}.")
    if archive:
        print(wrap(f"The old one is archived as {archive}: `grade sandbox restore {archive}` "
                   "brings it back."))
    print(wrap("Root's first access key is back (the same as at the start), and your AWS CLI "
               "profiles for the old account are archived with it: run  "
               'eval "$(grade sandbox env)"  again.'))
    return 0


def untouched(folder: Path) -> bool:
    """The account runs and nothing was done in it since it was opened."""
    return _untouched(folder, checkpoints.OPENED in checkpoints.load(folder),
                      archives.held_by(folder))


def _untouched(folder: Path, opened: bool, held: archives.Held) -> bool:
    return opened and held.requests == 0 and control.find(folder) is not None


def start_over(folder: Path) -> tuple[control.Running, str]:
    """The account started over (the old one archived: its name is returned), and the AWS
    CLI's cached sessions of the old one forgotten."""
    running, archive = replacing.reset(folder)
    _forget_sessions(running.account.account_id)
    return running, archive


def _forget_sessions(account_id: str) -> None:
    """The AWS CLI's cached role sessions of the account replaced: none is good in the
    account now (a new record, or another one), yet the CLI would send them."""
    import datetime as dt

    from grader.command import aws_cli_sessions

    aws_cli_sessions.forget_expired(account_id, dt.datetime.max.replace(tzinfo=dt.UTC))


def show_archives(as_json: bool) -> int:
    """One archived account a line, its name first; `--json`: `{"archives": [...]}`."""
    found = archives.listed(sandbox_dir())
    if as_json:
        print(json.dumps({"archives": [{
            "name": a.name,
            "archivedAt": a.archived_at.isoformat() if a.archived_at else None,
            "reason": a.reason,
            "accountId": a.account_id,
            "events": a.held.events,
            "requests": a.held.requests,
            "passed": list(a.held.passed),
        } for a in found]}))
        return 0
    if not found:
        print(wrap("No archived account yet: `grade sandbox reset` and `grade restart NN` "
                   "keep here the account they replace."))
        return 0
    for archive in found:
        print(archive.describe())
    return 0


def restore(name: str, assume_yes: bool) -> int:
    folder = sandbox_dir()
    chosen = archives.find(folder, name)
    if chosen is None:
        raise GradeError(f"There is no archived account named {name!r}.",
                         "`grade sandbox archives` lists them, each name first.")
    now = archives.held_by(folder)
    print(wrap(f"This brings back the account archived as {chosen.name} "
               f"({archives.describe_held(chosen.held)}) in place of your simulated account "
               f"now ({archives.describe_held(now)}), which is archived first, so that "
               "`grade sandbox restore` can bring it back too."))
    if not assume_yes and not confirmed("grade sandbox restore", "Restore it?"):
        print("Nothing was changed.")
        return 1
    profiles = (chosen.folder / replacing.PROFILES).is_dir()
    running, put_away = replacing.restore(chosen.name, folder)
    _forget_sessions(running.account.account_id)
    print()
    print(wrap(f"The account archived as {chosen.name} is back, at {running.endpoint}. The one "
               f"it replaced is archived as {put_away}. If your terminal uses credentials of "
               'the other account, run  eval "$(grade sandbox env)"  again ' +
               ("(your AWS CLI profiles came back with the account)." if profiles else
                "(your AWS CLI profiles are as they were: that archive kept none).")))
    return 0
