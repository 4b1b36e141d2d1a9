"""Every action, but only on S3 buckets: not full admin.

fails: admin-group, user-in-admin-group, signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user()
s.group(policy_arn=None, inline=s.policy([
    {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::*"}]))
s.join()
s.act_as()
s.delete_root_keys()
