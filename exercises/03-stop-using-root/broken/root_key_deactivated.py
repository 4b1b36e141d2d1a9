"""Root's access key is deactivated, not deleted.

fails: root-has-no-access-keys
"""
import _steps as s

s.user()
s.group()
s.join()
s.act_as()
s.iam().update_access_key(AccessKeyId=s.root_key_id(), Status="Inactive")
