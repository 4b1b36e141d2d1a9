"""Allow everything, but only under a condition: not full admin.

fails: admin-group, user-in-admin-group, signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user()
s.group(policy_arn=None, inline=s.policy([{
    "Effect": "Allow", "Action": "*", "Resource": "*",
    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]))
s.join()
s.act_as()
s.delete_root_keys()
