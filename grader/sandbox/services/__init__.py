"""The account's services: a folder each, registered by one line in `grader.services.SERVICES`.

Each folder declares what the account needs of it (`service.py`: a `registry.Service`, the
moto attributes it patches, what it attaches, its resource ARNs, its per-account state...;
`service.toml`: the data the checks read); `registry` loads them and attaches them to
each account. Where a folder extends a moto service, it has moto's shape (`models`,
`responses`, `urls`).

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
  passkeys, IAM access to billing) and the console's page.
"""
