"""The budget is made after the report was read, and no midnight has passed since: the
month's bill is past its alert, but AWS Budgets has not sent the e-mail yet.

fails: budget-alert-arrived
"""
import _steps as s

s.start()
s.billing_access()
s.make_bucket()
arn = s.make_export()
s.wait_for_delivery()
s.answer(*s.read_answers(s.first_report(arn)))
s.make_budget()
