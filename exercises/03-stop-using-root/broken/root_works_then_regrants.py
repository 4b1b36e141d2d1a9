"""After switching, root does everyday work, then re-attaches a policy the group does not
need, as if the switch had come later.

fails: root-not-used-after-admin
"""
import _steps as s

s.user()
s.group()
s.join()
s.act_as()
s.root().client("s3").create_bucket(Bucket="team-reports")
s.iam().attach_group_policy(GroupName="Admins",
                            PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
s.delete_root_keys()
