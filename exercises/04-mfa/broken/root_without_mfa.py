"""Everything for the admin user, nothing for root.

fails: root-has-mfa
"""
import _steps as s

serial, phone = s.create_device()
s.enable_device(serial, phone)
s.require_mfa()
s.everyday_work(s.mfa_session(serial, phone.code()))
