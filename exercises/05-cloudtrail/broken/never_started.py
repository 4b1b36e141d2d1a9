"""The trail is created but never started: a new trail records nothing until then.

fails: multi-region-trail-logging, logs-delivered-and-intact, logs-validated
"""
import _steps as s

s.make_bucket()
s.make_trail(start=False)
s.make_alert()
s.colleagues_work()
s.answer()
s.validate_logs()
