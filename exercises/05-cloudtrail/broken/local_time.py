"""The answer gives the time in another time zone (UTC+2) as if it were UTC.

fails: investigation
"""
import datetime as dt

import _steps as s

s.everything()
happened = dt.datetime.fromisoformat(s.incident()["eventTime"].replace("Z", "+00:00"))
s.answer(when=(happened + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%MZ"))
