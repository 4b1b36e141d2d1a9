"""The simulated AWS account: moto as a local server, plus what moto lacks.

- `account`: who the account is (id, root user's sign-in, the grader's key);
- `record`: every request, who made it and what came of it (durable);
- `iam`: IAM as AWS has it where moto differs: the root user (keys, summary,
  credential report), users' permissions boundaries, SimulatePrincipalPolicy,
  password rules (AWS's default policy or the account's) and ChangePassword;
- `cloudtrail`: LookupEvents answered from the record;
- `console`: the console-only root tasks (sign-in, root's access keys);
- `signatures`: SigV4 signature checks (a wrong secret is refused);
- `app`: the WSGI application that ties them to moto;
- `server`: the process; `control`: start/stop/status from the `grade` side.
"""
