"""In the admin group, but a permissions boundary caps the user at read-only.

fails: user-in-admin-group, signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user()
s.group()
s.join()
s.iam().put_user_permissions_boundary(
    UserName="alice", PermissionsBoundary="arn:aws:iam::aws:policy/ReadOnlyAccess")
s.act_as()
s.delete_root_keys()
