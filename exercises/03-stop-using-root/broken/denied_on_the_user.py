"""In the admin group, but an inline policy on the user denies deleting anything in S3.

fails: user-in-admin-group, signed-in-as-admin, root-not-used-after-admin
"""
import json

import _steps as s

s.user()
s.group()
s.join()
s.iam().put_user_policy(UserName="alice", PolicyName="careful", PolicyDocument=json.dumps(
    s.policy([{"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}])))
s.act_as()
s.delete_root_keys()
