"""IAM policy evaluation: would AWS allow this action, for this principal, now?

`evaluate(policies, request)` follows AWS's documented logic for identity
policies within one account: an explicit Deny wins, then an Allow, else the
request is implicitly denied; a permissions boundary must allow it too.
Used by the simulated account's SimulatePrincipalPolicy and by checks that
ask "can this user do X without MFA?".
"""

from grader.policy.evaluate import Decision, Request, evaluate

__all__ = ["Decision", "Request", "evaluate"]
