"""The trail records only its own Region: an attacker's servers in another one go unseen.

fails: multi-region-trail-logging
"""
import _steps as s

s.make_bucket()
s.make_trail(multi_region=False)
s.make_alert()
s.colleagues_work()
s.answer()
s.validate_logs()
