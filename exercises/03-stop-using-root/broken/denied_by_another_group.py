"""In the admin group, but also in a second group whose policy denies IAM changes:
a Deny anywhere wins, so the user is not a full admin.

fails: user-in-admin-group, signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user()
s.group()
s.join()
s.group("NoIamChanges", policy_arn=None, inline=s.policy([
    {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]))
s.join(group_name="NoIamChanges")
s.act_as()
s.delete_root_keys()
