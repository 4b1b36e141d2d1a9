"""In the admin group and AdministratorAccess on the user as well.

fails: user-in-admin-group, signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user()
s.group()
s.join()
s.iam().attach_user_policy(UserName="alice", PolicyArn=s.ADMIN)
s.act_as()
s.delete_root_keys()
