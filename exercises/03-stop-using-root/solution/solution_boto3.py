"""Reference solution with boto3, run as the root user:

    eval "$(grade sandbox env)" && python solution_boto3.py

It gives the group its own policy (allowing every action on every
resource) instead of AWS's AdministratorAccess: both are full admin.
"""

import json

import boto3

ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}

root = boto3.Session()
iam = root.client("iam")
root_key = root.get_credentials().access_key

# 1. An IAM user for yourself, with a console password.
iam.create_user(UserName="maria.garcia")
iam.create_login_profile(UserName="maria.garcia", Password="Purple-Otter-Sings-at-Dawn-7")

# 2. A group with full administrator permissions, and the user in it.
iam.create_group(GroupName="platform-admins")
policy = iam.create_policy(PolicyName="FullAdmin", PolicyDocument=json.dumps(ADMIN_POLICY))
iam.attach_group_policy(GroupName="platform-admins", PolicyArn=policy["Policy"]["Arn"])
iam.add_user_to_group(GroupName="platform-admins", UserName="maria.garcia")

# 3. Work as the IAM user from now on.
key = iam.create_access_key(UserName="maria.garcia")["AccessKey"]
maria = boto3.Session(aws_access_key_id=key["AccessKeyId"],
                      aws_secret_access_key=key["SecretAccessKey"])
print(maria.client("sts").get_caller_identity()["Arn"])

# 5. As root, one last time: is root's key in use? Then delete it.
print(iam.get_access_key_last_used(AccessKeyId=root_key)["AccessKeyLastUsed"])
iam.delete_access_key(AccessKeyId=root_key)
