"""A user with only an access key, no console password.

fails: iam-user-with-password, user-in-admin-group, signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user(password=False)
s.group()
s.join()
s.act_as()
s.delete_root_keys()
