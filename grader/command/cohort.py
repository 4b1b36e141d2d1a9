"""`grade join URL CODE`, `grade submit`, `grade leave`: a learner in an instructor's cohort.

Once joined, every `grade NN` also sends the grading to the instructor's
server, in the background (`grader.progress.submitting`); `grade submit`
sends what is still waiting now and says how it went; `grade leave` stops.

Exit status: 0 done; 1 (`submit`) some gradings still wait (the server cannot
be reached); 2 it could not be done (not joined, a refused code, bad input).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json

from grader.command.report import wrap
from grader.errors import GradeError
from grader.progress import membership, outbox, server_api
from grader.progress.membership import Membership


def join(url: str, code: str, name: str | None, as_json: bool = False) -> int:
    url = server_api.check_url(url)
    code = code.strip()
    if not code or len(code) > 100:
        raise GradeError("The enrolment code is empty or too long.",
                         "Copy it as your instructor gave it.")
    name = (name or getpass.getuser()).strip()
    if not 0 < len(name) <= 100:
        raise GradeError("Your name must be 1 to 100 characters.",
                         'Give it with --name "Ada Lovelace".')
    current = membership.load()
    if current is not None:
        raise GradeError(f"You already joined {current.cohort} at {current.url}.",
                         "`grade leave` first to join another cohort.")
    answer = server_api.join(url, code, name)
    if answer.status == 0:
        raise GradeError(f"The server at {url} cannot be reached: {answer.reason}.",
                         "Check the address, and that you are online.")
    if answer.status != 201 or not isinstance(answer.body.get("token"), str):
        raise GradeError(f"The server refused to enrol you: {answer.reason}",
                         str(answer.body.get("fix") or "Check the code with your instructor."))
    joined = Membership(url=url, learner=str(answer.body["learner"]),
                        token=answer.body["token"], cohort=str(answer.body.get("cohort", "")),
                        name=name, joined_at=dt.datetime.now(dt.UTC).isoformat())
    membership.save(joined)
    if as_json:
        print(json.dumps({"joined": joined.cohort, "server": url, "learner": joined.learner}))
    else:
        print(wrap(f"You joined {joined.cohort} at {url} as {name}. From now on each "
                   "`grade NN` also sends its result (and your simulated account's record, "
                   "so that the server can grade it again) to your instructor, in the "
                   "background. `grade submit` sends what is waiting now; `grade leave` "
                   "stops."))
    return 0


def submit(as_json: bool = False) -> int:
    member = _member()
    from grader.progress.sender import flush

    done = flush(member)
    assert done is not None  # waited for the lock
    refused = outbox.refused()
    if as_json:
        print(json.dumps({"sent": done.sent, "waiting": done.waiting,
                          "refused": done.refused, "unreachable": done.unreachable,
                          "refusedKept": [str(p) for p in refused]}))
    else:
        print(f"Sent {done.sent} grading(s) to {member.url}.")
        if done.waiting:
            print(wrap(f"{done.waiting} wait: the server cannot take them now "
                       f"({done.unreachable}). They are sent with your next `grade` or "
                       "`grade submit`."))
        for reason in done.refused:
            print(wrap(f"Refused by the server, kept in {outbox.folder() / 'refused'}: "
                       f"{reason}"))
        if not done.waiting:
            print("Nothing is waiting.")
    return 1 if done.waiting else 0


def leave(as_json: bool = False) -> int:
    member = _member()
    answer = server_api.leave(member.url, member.token)
    dropped = outbox.clear()
    membership.forget()
    told = 200 <= answer.status < 300
    if as_json:
        print(json.dumps({"left": member.cohort, "serverTold": told, "dropped": dropped}))
    else:
        print(wrap(f"You left {member.cohort}: gradings are no longer sent to {member.url}"
                   + (f" ({dropped} waiting grading(s) dropped)" if dropped else "") + "."))
        if not told:
            print(wrap(f"The server could not be told ({answer.reason}); your token is "
                       "forgotten here, so nothing more can be sent with it."))
    return 0


def _member() -> Membership:
    member = membership.load()
    if member is None:
        raise GradeError("You have not joined a cohort.",
                         "Run `grade join URL CODE` with what your instructor gave you.")
    return member
