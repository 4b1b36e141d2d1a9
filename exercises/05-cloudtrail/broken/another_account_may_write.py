"""The bucket policy also lets another account write into the logs' folder (a copy of a
policy found online, with its author's account left in).

fails: trail-bucket-locked-down
"""
import _steps as s

s.make_bucket(statements=[*s.cloudtrail_statements(),
                          {"Sid": "Partner", "Effect": "Allow",
                           "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                           "Action": ["s3:PutObject", "s3:DeleteObject"],
                           "Resource": f"arn:aws:s3:::{s.bucket()}/*"}])
s.make_trail()
s.make_alert()
s.colleagues_work()
s.answer()
