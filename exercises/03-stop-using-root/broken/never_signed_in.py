"""Everything set up, but the admin user is never used.

fails: signed-in-as-admin, root-not-used-after-admin
"""
import _steps as s

s.user()
s.group()
s.join()
s.delete_root_keys()
