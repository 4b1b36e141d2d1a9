"""The bucket policy forgets CloudTrail's write to AWSLogs/<account>/: AWS refuses the trail,
and the learner moves on without one.

fails: multi-region-trail-logging, log-file-validation, trail-bucket-locked-down, logs-delivered-and-intact, logs-validated
"""
import _steps as s
from botocore.exceptions import ClientError

s.make_bucket(statements=s.cloudtrail_statements()[:1])
try:
    s.make_trail()
except ClientError as refused:
    assert refused.response["Error"]["Code"] == "InsufficientS3BucketPolicyException", refused
s.make_alert()
s.colleagues_work()
s.answer()
s.validate_logs()
