"""The simulated AWS account: moto as a local server, plus what moto lacks.

Its services, each a folder registered by one line in `grader.services.SERVICES` and
declaring itself there (`service.py`: `registry`; `service.toml`: the data the checks
read); every change made to moto is registered in `moto_patches` (`moto_core`: moto's
core's) and checked against the installed moto:

- `iam/`: IAM as AWS has it where moto differs: the root user (keys, summary,
  credential report), users' permissions boundaries, SimulatePrincipalPolicy,
  password rules and ChangePassword, virtual MFA devices and their codes (`iam.mfa`);
- `sts/`: role sessions as AWS has them (trust policies, session policies, expiry),
  GetSessionToken's sessions with or without MFA, AssumeRole with an MFA code;
- `s3/`: bucket policies as S3 applies them to a request (its caller, conditions);
- `sns/`: the e-mails SNS sends, kept in the account's inbox (`grade sandbox inbox`);
- `events/`: EventBridge (the service; not the record's events nor CloudTrail's): its
  default bus and rules, fed with the account's CloudTrail events;
- `cloudtrail/`: the CloudTrail service of this account: LookupEvents answered from
  the record, trails, log files and digests delivered to their buckets (CloudTrail's
  rules, shared with the checks, are `grader.cloudtrail`);
- `billing/`: this account's bill (usage priced by the hour) and the setting of IAM
  access to billing (what the bill's products are, shared with the checks:
  `grader.billing`); `bcm_data_exports/` (Data Exports), `cur/` (the legacy Cost and
  Usage Reports), `budgets/`: the billing services that read the bill;
- `ec2/`: the Regions an account sees;
- `console/`: the console-only tasks (root's sign-in, root's access keys and MFA,
  passkeys, IAM access to billing) and the console's page; `added_services`: the
  services moto does not have at all.

The front desk, in the order a request meets it (`app` ties them to moto and the
record, `SandboxApp.handle`): `authentication` (addressed here, SigV4 that parses,
fresh, not too large), `callers` (whose key; `grader_key`: what the grader's key may
call), `signatures` (made with its secret), `operations` (exactly which operation, the
one moto then runs), `validation` (input AWS refuses; `java_patterns`: AWS's patterns
for Python), `authorization` (what the caller's policies allow), `moto_dispatch`
(moto answers), `aws_errors` (AWS's error answers), `wsgi` (requests as WSGI has
them).

The account's own state and history: `account` (who the account is: id, root user's
sign-in, the grader's key); `record` (every request, who made it and what came of it:
the record's events, durable); `clock` (the account's time: the machine's clock plus
what `grade sandbox advance` added; SigV4 freshness and authenticator codes stay on
the machine's); `bootstrap` (the history every account starts with); `replay` rebuilds
the account from the record, `rebuild` an account from a record elsewhere (an
instructor's server); `checkpoints` marks where exercises begin (`grade restart`);
`rebuilds`: `grade sandbox reset` and `grade restart NN` (a new record, or the record
cut back to a checkpoint), the old account kept (`archives`); `fresh_start`: a reset
inside the running process, and `start_over` the mark it leaves in the record;
`footprints`: what the grader's reads leave in an account, taken back; `parking`: a
rebuilt account's state, out of moto and back.

The process and its controls: `server` (the process: `python -m grader.sandbox.server`),
`control_endpoints` (what it answers under `/_sandbox/`), `registry` (the services'
parts, attached to each account); `control/`: the account from outside, for `grade`
(start, stop, find it; its locks; calls to its control endpoints; the keys handed out).
"""
