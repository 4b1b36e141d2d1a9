"""Log file validation is off: no digests, so no one can tell a changed log from one that was not.

fails: log-file-validation, logs-delivered-and-intact, logs-validated
"""
import _steps as s

s.make_bucket()
s.make_trail(validation=False)
s.make_alert()
s.colleagues_work()
s.answer()
s.validate_logs()
