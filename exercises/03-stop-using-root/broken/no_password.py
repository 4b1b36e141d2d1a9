"""A user with only an access key, no console password.

fails: iam-user-with-password
"""
import _steps as s

s.user(password=False)
s.group()
s.join()
s.act_as()
s.delete_root_keys()
