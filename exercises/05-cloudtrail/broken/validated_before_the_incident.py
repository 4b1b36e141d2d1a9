"""The logs are validated once, two hours after the trail started, and never again: the
hour of the incident, which came later, was never checked.

fails: logs-validated
"""
import subprocess

import _steps as s

s.make_bucket()
s.make_trail()
s.make_alert()
subprocess.run(["grade", "sandbox", "advance", "2h"], check=True, capture_output=True)
done = s.validate_logs()
assert done.returncode == 0 and "digest files valid" in done.stdout, done.stdout + done.stderr
s.colleagues_work()
s.answer()
