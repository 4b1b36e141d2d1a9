"""PowerUserAccess allows everything but IAM (NotAction): not full admin.

fails: admin-group, user-in-admin-group, signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user()
s.group(policy_arn="arn:aws:iam::aws:policy/PowerUserAccess")
s.join()
s.act_as()
s.delete_root_keys()
