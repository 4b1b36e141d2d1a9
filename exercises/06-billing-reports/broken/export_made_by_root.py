"""Root creates the export (with a new root access key): everyday work as root, which also
fails exercise 03's rule.

fails: billing-set-up-by-admin
"""
import _steps as s

s.start()
s.billing_access()
s.make_bucket()
arn = s.make_export(client=s.root_exports_client())
s.make_budget()
s.wait_for_delivery()
s.answer(*s.read_answers(s.first_report(arn)))
