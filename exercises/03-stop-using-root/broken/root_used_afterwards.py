"""After switching to the IAM user, root creates a bucket.

fails: root-not-used-after-admin
"""
import _steps as s

s.user()
s.group()
s.join()
s.act_as()
s.root().client("s3").create_bucket(Bucket="team-reports")
s.delete_root_keys()
