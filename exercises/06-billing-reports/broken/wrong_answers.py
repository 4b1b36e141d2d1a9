"""The answers are not the report's: the second most expensive service, and, for the last
day's total, what the top service cost over the whole report.

fails: first-report-answers
"""
from collections import defaultdict
from decimal import Decimal

import _steps as s

s.start()
s.billing_access()
s.make_bucket()
arn = s.make_export()
s.make_budget()
s.wait_for_delivery()
rows = s.first_report(arn)
by_service: dict[str, Decimal] = defaultdict(Decimal)
for row in rows:
    by_service[row["line_item_product_code"]] += Decimal(row["line_item_unblended_cost"])
ranked = sorted(by_service, key=lambda name: by_service[name], reverse=True)
s.answer(ranked[1], str(by_service[ranked[0]]))
