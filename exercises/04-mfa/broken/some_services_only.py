"""The Deny covers IAM and S3 only: without MFA, the rest of AWS stays open.

fails: admin-group-requires-mfa, mfa-session-used
"""
import _steps as s

s.root_mfa()
serial, phone = s.create_device()
s.enable_device(serial, phone)
s.require_mfa(s.with_deny(action=["iam:*", "s3:*"]))
s.everyday_work(s.mfa_session(serial, phone.code()))
