"""The root user, as AWS has it, added to moto's IAM and STS.

moto has no root user. This package adds one in moto's own shape:
`models` holds the root user's state on moto's IAMBackend (its access keys,
password use, MFA) and the account-level facts that depend on it;
`responses` makes the access-key operations act on the caller's own keys
when no user name is given, as AWS documents; `credential_report` writes
the report in AWS's format, `<root_account>` first. `install()` applies it
all to moto once, before the first request.
"""

from grader.sandbox.root.install import install

__all__ = ["install"]
