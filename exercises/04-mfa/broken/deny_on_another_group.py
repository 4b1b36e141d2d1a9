"""The policy is attached to another group, one the admin user is not in.

fails: admin-group-requires-mfa, mfa-session-used
"""
import _steps as s

s.root_mfa()
serial, phone = s.create_device()
s.enable_device(serial, phone)
s.me().client("iam").create_group(GroupName="Developers")
s.require_mfa(group="Developers")
s.everyday_work(s.mfa_session(serial, phone.code()))
