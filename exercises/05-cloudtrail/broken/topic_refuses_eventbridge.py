"""The topic keeps its default policy, which does not let EventBridge publish: the rule
fires, the e-mail never comes.

fails: root-sign-in-alert
"""
import _steps as s

s.make_bucket()
s.make_trail()
s.make_alert(allow_events=False)
s.colleagues_work()
s.answer()
