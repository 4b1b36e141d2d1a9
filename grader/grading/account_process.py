"""The simulated account's process as `grade sandbox start` runs it:
`python -m grader.grading.account_process HOME [PORT]`.

The account (`grader.sandbox.server`) served with the course's gradings composed on top
(`grader.grading.in_account`: `POST /_sandbox/grade` runs an exercise's checks in this
process). The account offers the hook (`assemble`'s `extensions`); this command wires
grading in, so that nothing under `grader/sandbox/` imports the checks or pytest.
"""

from __future__ import annotations

from grader.grading import in_account
from grader.sandbox import server


def main(argv: list[str] | None = None) -> None:
    server.main(argv, extensions=[in_account.install])


if __name__ == "__main__":
    main()
