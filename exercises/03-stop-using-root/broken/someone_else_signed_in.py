"""A second user without admin rights is used; the admin never is.

fails: signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user()
s.group()
s.join()
s.user("bob")
s.act_as("bob")
s.delete_root_keys()
