"""The classic mistake: `Bool` instead of `BoolIfExists`. Long-term access keys carry no
aws:MultiFactorAuthPresent key, so they are not denied anything.

fails: admin-group-requires-mfa, mfa-session-used
"""
import _steps as s

s.root_mfa()
serial, phone = s.create_device()
s.enable_device(serial, phone)
s.require_mfa(s.with_deny(condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))
s.everyday_work(s.mfa_session(serial, phone.code()))
