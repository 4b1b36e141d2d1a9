"""The simulated AWS account: moto as a local server, plus what moto lacks.

Its rooms (each package's docstring is its own map):

- `front_desk/`: every request to the account's AWS API, met in order (`app`: who signed
  it, which operation, valid input, what the caller's policies allow; moto answers; the
  record keeps it);
- `history/`: the record of who did what, and the account made again from it (`replay`
  in its own process; `rebuild` in another, an instructor's server);
- `start_over/`: `grade sandbox reset`, `grade restart NN`, `grade sandbox restore`: the
  account replaced or cut back, the old one archived, and the mark left in the record;
- `services/`: one folder per AWS service it extends or adds (`iam/`, `sts/`, `s3/`,
  `sns/`, `events/`: EventBridge, `cloudtrail/`, `billing/`, `bcm_data_exports/`,
  `cur/`, `budgets/`, `ec2/`, `console/`), each registered by one line in
  `grader.services.SERVICES` and declaring itself (`services.registry`);
- `control/`: the account from outside, for `grade` (start, stop, find it; its locks;
  calls to its control endpoints; the keys handed out).

At its root, what every room stands on: `account` (who the account is: id, root user's
sign-in, the grader's key); `clock` (the account's time: the machine's clock plus what
`grade sandbox advance` added; SigV4 freshness and authenticator codes stay on the
machine's); `server` (the process: `python -m grader.sandbox.server`, the account
alone; `grade sandbox start` runs `grader.grading.account_process`, the account with
the course's gradings on top) and `control_endpoints` (what it answers under
`/_sandbox/`); moto through its seams: every change made to moto's classes is
registered in `moto_patches` and checked against the installed moto (`moto_core`:
moto's core's), and `added_services` adds the services moto does not have at all.

The account knows nothing of grading (`tests/test_layers.py`).
"""
