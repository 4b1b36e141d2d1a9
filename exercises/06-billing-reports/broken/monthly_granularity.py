"""The export is monthly: a day that costs ten times the others hides in the month's total.

fails: cur2-export, first-report-answers
"""
import _steps as s

s.everything(export={"granularity": "MONTHLY"})
