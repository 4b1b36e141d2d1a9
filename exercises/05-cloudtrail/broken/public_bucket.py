"""The logs' bucket does not block public access, and its policy lets anyone read the logs.

fails: trail-bucket-locked-down
"""
import _steps as s

s.make_bucket(
    statements=[*s.cloudtrail_statements(),
                {"Sid": "ShareWithTheTeam", "Effect": "Allow", "Principal": "*",
                 "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{s.bucket()}/*"}],
    blocks={"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False})
s.make_trail()
s.make_alert()
s.colleagues_work()
s.answer()
s.validate_logs()
