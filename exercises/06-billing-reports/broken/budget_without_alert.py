"""The budget has no notification, so no subscriber: it is crossed in silence.

fails: cost-budget-email-alert, budget-alert-arrived
"""
import _steps as s

s.everything(subscribers=False, wait_days=2)
