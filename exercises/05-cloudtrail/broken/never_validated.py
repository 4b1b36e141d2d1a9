"""Everything is set up and the investigation answered, but the logs are never validated:
the digests came, and nobody checked them.

fails: logs-validated
"""
import _steps as s

s.make_bucket()
s.make_trail()
s.make_alert()
s.colleagues_work()
s.answer()
