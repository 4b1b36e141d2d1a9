"""The admin user's device is created, but never enabled.

fails: admin-has-mfa, mfa-session-used, admin-mfa-enabled-with-its-codes
"""
import _steps as s

s.root_mfa()
s.create_device()
s.require_mfa()
