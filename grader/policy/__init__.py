"""IAM policy evaluation: would AWS allow this action, for this principal, now?

`evaluate(policies, request, boundary, session)` follows AWS's documented
logic for identity policies within one account: an explicit Deny wins, then
an Allow, else the request is implicitly denied; a permissions boundary and
session policies must allow it too. `evaluate_with_resource_policy` adds a
resource-based policy, such as a role's trust policy, whose `Principal`
names the caller (a `Principal`) directly, through its role, or through its
account.

Used by the simulated account (authorization, SimulatePrincipalPolicy,
AssumeRole's trust policies) and by checks that ask "can this user do X
without MFA?". Nothing else parses (`parse_document`) or evaluates a policy.
"""

from grader.policy.document import parse_document
from grader.policy.evaluate import Decision, Request, evaluate
from grader.policy.principals import Principal
from grader.policy.resource import evaluate_with_resource_policy

__all__ = ["Decision", "Principal", "Request", "evaluate", "evaluate_with_resource_policy",
           "parse_document"]
