"""IAM (and STS's view of the root user) as AWS has it, where moto differs.

`models` keeps what moto lacks on its IAMBackend (the root user, the
credential report, the policies that apply to a user, the limits on policy
sizes and tags that AWS's API model does not state); `password_policy` the
rules IAM users' passwords must meet, and `mfa` the virtual MFA devices and
the check of their codes (each kept apart from `models` for its size);
`responses` answers the operations moto answers otherwise or not at all;
`install.PATCHES` changes moto with them, and `service` declares the service to the
account (`grader.services`).
"""
