"""Exercise 05's start: three colleagues use the account for an afternoon.

With the learner's credentials (their IAM admin user's), `grade start 05`
creates the `developers` group (AWS's PowerUserAccess: everything but IAM)
and three users in it, each with an access key. Then the colleagues work,
each with their own key, while the account's clock moves on (about three
and a half hours in all): buckets, tags, a topic in eu-west-1, a bucket
policy or two. At a moment drawn at random, one of them, drawn at random
too, makes the bucket `team-reports-<account>` readable by anyone: the
learner has to find out who, and when, from CloudTrail.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from grader.errors import GradeError

GROUP = "developers"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
COLLEAGUES = ("amira.haddad", "deploy-bot", "tom.becker")
MINUTES = dt.timedelta(minutes=1)


def reports_bucket(account_id: str) -> str:
    return f"team-reports-{account_id}"


def artifacts_bucket(account_id: str) -> str:
    return f"deploy-artifacts-{account_id}"


def public_read(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "ShareReports", "Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})


def tls_only(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})


def start(account: Any) -> str:
    iam = account.client("iam")
    existing = {u["UserName"] for u in iam.list_users()["Users"]}
    if set(COLLEAGUES) & existing:
        raise GradeError("Exercise 05 has started already: your colleagues are in the account.",
                         "Find what they did (`grade show 05`); `grade restart 05` starts over.")
    iam.create_group(GroupName=GROUP)
    iam.attach_group_policy(GroupName=GROUP, PolicyArn=POWER_USER)
    keys = {}
    for name in COLLEAGUES:
        iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": "platform"}])
        iam.add_user_to_group(GroupName=GROUP, UserName=name)
        keys[name] = iam.create_access_key(UserName=name)["AccessKey"]
    amira, bot, tom = (lambda service, who=who: account.client(service, keys[who])
                       for who in COLLEAGUES)
    reports, artifacts = reports_bucket(account.account_id), artifacts_bucket(account.account_id)
    culprit = secrets.choice(COLLEAGUES)
    other = next(name for name in COLLEAGUES if name not in (culprit, "deploy-bot"))

    account.advance(6 * MINUTES)
    amira("s3").create_bucket(Bucket=reports)
    amira("s3").put_bucket_tagging(Bucket=reports, Tagging={"TagSet": [
        {"Key": "team", "Value": "platform"}]})
    account.advance(19 * MINUTES)
    bot("s3").create_bucket(Bucket=artifacts)
    for build in ("build-1841.zip", "build-1842.zip"):
        bot("s3").put_object(Bucket=artifacts, Key=build, Body=b"PK\x05\x06" + bytes(18))
    bot("s3").list_buckets()
    account.advance(33 * MINUTES)
    tom("s3").list_buckets()
    tom("s3").get_bucket_location(Bucket=reports)
    account.client("sns", keys["amira.haddad"], "eu-west-1").create_topic(Name="ops-alerts")
    account.advance((8 + secrets.randbelow(33)) * MINUTES)
    guilty = account.client("s3", keys[culprit])
    guilty.put_public_access_block(Bucket=reports, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    guilty.put_bucket_policy(Bucket=reports, Policy=public_read(reports))
    account.advance((11 + secrets.randbelow(9)) * MINUTES)
    account.client("s3", keys[other]).get_bucket_policy(Bucket=reports)
    account.advance(47 * MINUTES)
    bot("s3").put_bucket_policy(Bucket=artifacts, Policy=tls_only(artifacts))
    account.advance(25 * MINUTES)
    tom("s3").put_bucket_versioning(Bucket=reports, VersioningConfiguration={
        "Status": "Enabled"})
    now = account.advance(70 * MINUTES)
    return (f"Your colleagues {', '.join(COLLEAGUES)} (group {GROUP}) used the account for "
            f"about three and a half hours; in the account it is now "
            f"{now:%Y-%m-%d %H:%M} UTC.\nOne of them made the bucket {reports} readable by "
            "anyone. Find out who, and when: step 4 of `grade show 05`.")
