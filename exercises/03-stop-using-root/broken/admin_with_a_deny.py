"""AdministratorAccess, minus a Deny: no longer full admin.

fails: admin-group, user-in-admin-group, signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user()
s.group(inline=s.policy([{"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}]))
s.join()
s.act_as()
s.delete_root_keys()
