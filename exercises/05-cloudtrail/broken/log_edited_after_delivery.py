"""A delivered log file is edited afterwards (an event taken out): validation must tell.

fails: logs-delivered-and-intact
"""
import _steps as s

s.everything()
s.edit_log_file(s.first_log_file())
