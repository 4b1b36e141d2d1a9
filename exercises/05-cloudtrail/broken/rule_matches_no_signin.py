"""The rule looks for ConsoleLogin among API calls: sign-ins come as their own detail-type,
so it never fires.

fails: root-sign-in-alert
"""
import _steps as s

s.make_bucket()
s.make_trail()
s.make_alert(pattern={"detail-type": ["AWS API Call via CloudTrail"],
                      "detail": {"eventName": ["ConsoleLogin"],
                                 "userIdentity": {"type": ["Root"]}}})
s.colleagues_work()
s.answer()
s.validate_logs()
