"""The trail's selectors keep only write events: who read the secrets goes unrecorded.

fails: multi-region-trail-logging
"""
import _steps as s

s.make_bucket()
s.make_trail(selectors=[{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
s.make_alert()
s.colleagues_work()
s.answer()
s.validate_logs()
