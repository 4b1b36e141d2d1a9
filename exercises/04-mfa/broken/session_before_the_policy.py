"""The MFA session's work was done before the policy was attached: it proves nothing.

fails: mfa-session-used
"""
import _steps as s

s.root_mfa()
serial, phone = s.create_device()
s.enable_device(serial, phone)
s.everyday_work(s.mfa_session(serial, phone.code()))
s.require_mfa()
