"""The rule is made in eu-west-1, where the learner works: console sign-ins arrive in
us-east-1 only.

fails: root-sign-in-alert
"""
import _steps as s

s.make_bucket()
s.make_trail()
s.make_alert(region="eu-west-1")
s.colleagues_work()
s.answer()
