"""The simulated account's process as `grade sandbox start` runs it:
`python -m grader.account_process HOME [PORT]`.

The account (`grader.sandbox.server`) served with the course's gradings composed on top
(`grader.grading_service`: `POST /_sandbox/grade` runs an exercise's checks in this
process). The account offers the hook (`assemble`'s `extensions`); this command wires
grading in, so that nothing under `grader/sandbox/` imports the checks or pytest.
"""

from __future__ import annotations

from grader import grading_service
from grader.sandbox import server


def main(argv: list[str] | None = None) -> None:
    server.main(argv, extensions=[grading_service.install])


if __name__ == "__main__":
    main()
