"""A budget of $5,000 a month, the alert at 80% of it: right in form, but a bill of a few
dollars never crosses it, and after three days no e-mail has come: the alert is untried.

fails: budget-alert-arrived
"""
import _steps as s

s.everything(limit="5000", wait_days=3)
