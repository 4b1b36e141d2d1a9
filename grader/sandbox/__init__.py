"""The simulated AWS account: moto as a local server, plus what moto lacks.

- the services, each a folder registered by one line in `grader.services.SERVICES`
  and declaring itself there (`service.py`: `registry`; `service.toml`: the data the
  checks read); `moto_patches`: every change made to moto, checked against it;
- `account`: who the account is (id, root user's sign-in, the grader's key);
- `record`: every request, who made it and what came of it (durable);
- `iam`: IAM as AWS has it where moto differs: the root user (keys, summary,
  credential report), users' permissions boundaries, SimulatePrincipalPolicy,
  password rules (AWS's default policy or the account's) and ChangePassword,
  virtual MFA devices and the check of their codes (`iam.mfa`);
- `sts`: role sessions as AWS has them (trust policies, session policies, expiry),
  GetSessionToken's sessions with or without MFA, AssumeRole with an MFA code;
- `cloudtrail`: LookupEvents answered from the record;
- `console`: the console-only root tasks (sign-in, root's access keys);
- the front desk, in the order a request meets it: `authentication` (addressed
  here, SigV4 that parses, fresh, not too large), `callers` (whose key),
  `signatures` (made with its secret), `operations` (exactly which operation,
  the one moto then runs), `validation` (input AWS refuses), `authorization`
  (what the caller's policies allow); `app` ties them to moto and the record;
- `clock`: the account's time (the machine's clock plus what `grade sandbox
  advance` added); SigV4 freshness and authenticator codes stay on the machine's;
- `replay` rebuilds the account from the record; `checkpoints` marks where
  exercises begin (`grade restart`); `fresh_start` starts it over in its process;
- `server`: the process; `control`: start/stop/status from the `grade` side.
"""
