"""Secure Your AWS Account: the `grade` program, the simulated account and the checks.

Its rooms (each package's docstring is its own map):

- `command/`: `grade`, the learner's command: a module per command;
- `course/`: the course as data: its exercises, found in their folders, and its site;
- `grading/`: an exercise's checks run against an account (by pytest, or in the
  simulated account's own process), and the one result they give;
- `checks/`: the pytest plugin the checks stand on: read-only fixtures, the guard,
  `@check`;
- `quiz/`: knowledge exercises;
- `sandbox/`: the simulated account (it knows nothing of grading);
- `policy/`: IAM policy evaluation, for the account and the checks alike;
- `cloudtrail/`, `billing/`: CloudTrail's and billing's rules, which the account and the
  checks both apply (the services themselves are in `sandbox/services/`);
- `progress/`: the learner's progress, and joining an instructor's cohort;
- `server/`: `grade-server`, the instructor's server.

At its root, what rooms on both sides of the account's wall stand on: `errors` (the
one error a person is shown), `paths` (where everything lives: GRADE_HOME), `netguard`
(no connection leaves the machine), `startup` (imports `grade` and the account skip, to
start faster), `services` (the list of the account's services and the data each
declares, which the checks read too), `readonly` (which calls are read-only, and the
only ones the grader may send); and `cli`, where the `grade` scripts of earlier
installs point (`command.main`).
"""

__version__ = "0.1.0"
