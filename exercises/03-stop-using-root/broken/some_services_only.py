"""The group may use IAM, S3 and EC2 only: that is not full admin.

fails: admin-group, user-in-admin-group, signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user()
s.group(policy_arn=None, inline=s.policy([
    {"Effect": "Allow", "Action": ["iam:*", "s3:*", "ec2:*"], "Resource": "*"}]))
s.join()
s.act_as()
s.delete_root_keys()
