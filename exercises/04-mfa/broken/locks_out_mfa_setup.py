"""The Deny leaves out nothing: without MFA the user could not even set MFA up. (Here
the device was enabled before the policy, so the user got through; a new admin would not.)

fails: admin-group-requires-mfa, mfa-session-used
"""
import _steps as s

s.root_mfa()
serial, phone = s.create_device()
s.enable_device(serial, phone)
s.require_mfa(s.with_deny(action=["*"]))
s.everyday_work(s.mfa_session(serial, phone.code()))
