"""After switching, root makes another access key for the IAM user.

fails: root-not-used-after-admin
"""
import _steps as s

s.user()
s.group()
s.join()
s.act_as()
s.iam().create_access_key(UserName="alice")
s.delete_root_keys()
