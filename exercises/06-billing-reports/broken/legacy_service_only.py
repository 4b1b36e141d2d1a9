"""The bucket's policy is the legacy CUR's (billingreports.amazonaws.com only): Data Exports
may not write, the export turns UNHEALTHY and delivers nothing.

fails: export-bucket-locked-down, export-delivered, first-report-answers
"""
import _steps as s

s.everything(bucket_policy=s.policy(("billingreports.amazonaws.com",)))
