"""The rule matches every console sign-in: the alert cries wolf at each of yours.

fails: root-sign-in-alert
"""
import _steps as s

s.make_bucket()
s.make_trail()
s.make_alert(pattern={"detail-type": ["AWS Console Sign In via CloudTrail"]})
s.colleagues_work()
s.answer()
s.validate_logs()
