"""Checks for 05-cloudtrail: a trail that records everything and can be trusted, an alert
on root's sign-in, and what the learner found in the logs.

Any names pass, and any way of doing it (the AWS CLI, boto3, a notebook). Trails are
judged as AWS would run them: selectors by what they keep, the bucket's policy by
evaluating it (`grader.checks.trails`), the delivered logs by validating them
(`grader.checks.trail_logs`, as `aws cloudtrail validate-logs` does), the alert by
matching its pattern against a root and a non-root sign-in (`grader.checks.alerts`).
That the learner validated the logs themselves is read from the account's record
(`grader.checks.recorded`): CloudTrail's public keys listed, and the digest and log files
of the hour of the incident read, whatever did it (the AWS CLI, boto3, a notebook).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

from grader.checks import check
from grader.checks.activity import Activity
from grader.checks.alerts import AlertRule, root_sign_in, user_sign_in
from grader.checks.answers import LearnerAnswers
from grader.checks.recorded import Call
from grader.checks.target import Target, by_grader
from grader.checks.trail_logs import digest_files, validate
from grader.checks.trails import Trail, Trails

NO_TRAIL = "the account has no trail"


def everything(trail: Trail) -> list[str]:
    """What keeps `trail` from recording every management event everywhere."""
    missing = []
    if not trail.multi_region:
        missing.append(f"records only {trail.home} (not a multi-Region trail)")
    if not trail.logging:
        missing.append("is not logging (a new trail logs once started: StartLogging)")
    kept = [kind for kind, read in (("read", True), ("write", False)) if not trail.keeps(read)]
    if kept:
        missing.append(f"its event selectors leave out {' and '.join(kept)} management events")
    return missing


def candidates(trails: Trails) -> list[Trail]:
    """The trails that record everything; if none does, every trail (judged on the rest)."""
    return [t for t in trails.all if not everything(t)] or trails.all


@check(
    id="multi-region-trail-logging",
    title="A multi-Region trail is logging every management event, read and write",
    why="Event history keeps 90 days and no more; only a trail keeps a record for as long "
        "as you need it, and only a multi-Region one sees the Region nobody watches.",
    hint="`aws cloudtrail create-trail --name NAME --s3-bucket-name BUCKET "
         "--is-multi-region-trail`, then `aws cloudtrail start-logging --name NAME`.",
)
def test_multi_region_trail_logging(trails: Trails) -> None:
    assert trails.all, NO_TRAIL
    problems = {t.name: everything(t) for t in trails.all}
    assert any(not found for found in problems.values()), "; ".join(
        f"trail {name} {', and '.join(found)}" for name, found in problems.items())


@check(
    id="log-file-validation",
    title="The trail proves its logs untouched: log file validation is on",
    why="Without digests, a log file changed or deleted after delivery cannot be told from "
        "one that was not: the logs are no evidence.",
    hint="`aws cloudtrail update-trail --name NAME --enable-log-file-validation`.",
)
def test_log_file_validation(trails: Trails) -> None:
    assert trails.all, NO_TRAIL
    chosen = candidates(trails)
    assert any(t.validation for t in chosen), \
        f"log file validation is off for trail {', '.join(t.name for t in chosen)}"


@check(
    id="trail-bucket-locked-down",
    title="The trail's bucket lets CloudTrail write, no one else, and blocks public access",
    why="Logs anyone can read tell an attacker what you see; logs someone else can overwrite "
        "or delete are no record at all.",
    hint="Turn on all four Block Public Access settings (`aws s3api put-public-access-block`) "
         "and keep the bucket policy to CloudTrail's two statements (GetBucketAcl; PutObject "
         "on AWSLogs/<account>/* with bucket-owner-full-control).",
)
def test_trail_bucket_locked_down(trails: Trails) -> None:
    assert trails.all, NO_TRAIL
    problems: dict[str, list[str]] = {}
    for trail in candidates(trails):
        found = problems[f"{trail.name}'s bucket {trail.bucket}"] = []
        if not trail.bucket_exists:
            found.append("it no longer exists")
            continue
        if not trails.cloudtrail_may_deliver(trail):
            found.append("its policy no longer lets CloudTrail deliver there")
        others = trails.others_who_may_change_logs(trail)
        if others:
            found.append(f"its policy allows {', '.join(others)}")
        if not trails.blocks_public_access(trail):
            found.append("it does not block public access (all four settings)")
    assert any(not found for found in problems.values()), "; ".join(
        f"{where}: {', '.join(found)}" for where, found in problems.items())


@check(
    id="logs-delivered-and-intact",
    title="Log files were delivered, and every digest and log file validates",
    why="A trail is only as good as what reaches its bucket, untouched: this is what "
        "`aws cloudtrail validate-logs` proves.",
    hint="Let time pass (`grade sandbox advance 2h`): logs come every 5 minutes, digests "
         "every hour. `aws cloudtrail validate-logs --trail-arn ARN --start-time ... "
         "--end-time ... --verbose` names a changed, deleted or added file.",
)
def test_logs_delivered_and_intact(trails: Trails, target: Target) -> None:
    assert trails.all, NO_TRAIL
    problems = []
    for trail in candidates(trails):
        if not trail.bucket_exists:
            problems.append(f"trail {trail.name}: its bucket {trail.bucket} no longer exists")
            continue
        regions = sorted({trail.home, *_digest_regions(target, trail)})
        results = {region: validate(target, trail.description, region) for region in regions}
        found = [p for r in results.values() for p in r.problems]
        logs = sum(r.logs for r in results.values())
        digests = sum(r.digests for r in results.values())
        if not found and logs and digests:
            return
        if not digests:
            found.append("no digest file has been delivered yet" if trail.validation
                         else "no digest file (log file validation is off)")
        if not logs:
            found.append("no log file has been delivered yet")
        problems.append(f"trail {trail.name}: " + "; ".join(found))
    raise AssertionError("; ".join(problems))


def _digest_regions(target: Target, trail: Trail) -> set[str]:
    prefix = trail.description.get("S3KeyPrefix")
    folder = f"{prefix + '/' if prefix else ''}AWSLogs/{target.account_id}/CloudTrail-Digest/"
    s3 = target.client("s3")
    listed = s3.list_objects_v2(Bucket=trail.bucket, Prefix=folder, Delimiter="/")
    return {p["Prefix"][len(folder):].strip("/") for p in listed.get("CommonPrefixes", [])}


@check(
    id="logs-validated",
    title="You validated the logs of the incident yourself, as `aws cloudtrail validate-logs` "
          "does",
    why="Logs are evidence once checked: the digest's signature (CloudTrail's key) and the "
        "hashes it lists prove that nobody changed or removed the record of what was done to "
        "the bucket, before you rely on it.",
    hint="After `grade start 05`, let the digests come (`grade sandbox advance 2h`), then "
         "`aws cloudtrail validate-logs --trail-arn ARN --start-time START --end-time END "
         "--verbose`, from when the trail started logging to the account's time now "
         "(`grade sandbox status`).",
)
def test_logs_validated(trails: Trails, activity: list[Activity], target: Target,
                        recorded: Callable[..., list[Call] | None]) -> None:
    assert trails.all, NO_TRAIL
    opened = made_public(activity)
    assert opened, ("nothing has happened yet whose logs to validate: run `grade start 05` "
                    "(with your admin user's credentials), let two hours pass, then validate")
    incident = opened[0]
    since = f"{incident.time:%Y-%m-%d %H:%M} UTC"
    calls = recorded("ListPublicKeys", "GetObject")
    if calls is None:  # a real account: its event history keeps ListPublicKeys, not S3's reads
        assert any(a.name == "ListPublicKeys" and a.succeeded and a.time >= incident.time
                   and not by_grader(a.record.get("userAgent")) for a in activity), \
            f"CloudTrail's public keys have not been listed since {since}: the logs were not " \
            "validated (`aws cloudtrail validate-logs` lists them)"
        return
    after = [c for c in calls if c.succeeded and c.time >= incident.time]
    read = {(c.bucket, c.key) for c in after if c.operation == "GetObject"}
    keys_listed = any(c.operation == "ListPublicKeys" for c in after)
    region = str(incident.record.get("awsRegion") or target.region)
    problems = []
    for trail in candidates(trails):
        if not trail.bucket_exists:
            problems.append(f"trail {trail.name}: its bucket {trail.bucket} no longer exists")
            continue
        since_then = [d for d in digest_files(target, trail.description, region)
                      if d.end >= incident.time]
        if not since_then:
            problems.append(f"trail {trail.name} has delivered no digest for {region} since "
                            f"{since} yet (one every hour: `grade sandbox advance 2h`)")
            continue
        digest = since_then[0]
        found = []
        if (digest.bucket, digest.key) not in read:
            found.append(f"its digest s3://{digest.bucket}/{digest.key}, for the hour of the "
                         f"change made at {since}, was never read")
        unread = [log for log in digest.logs if log not in read]
        if unread:
            found.append(f"{len(unread)} of the {len(digest.logs)} log files that digest lists "
                         f"were never read (s3://{unread[0][0]}/{unread[0][1]}"
                         f"{', ...' if len(unread) > 1 else ''})")
        if not keys_listed:
            found.append(f"CloudTrail's public keys were not listed since {since} "
                         "(ListPublicKeys): without them no digest's signature can be checked")
        if not found:
            return
        problems.append(f"trail {trail.name}: " + "; ".join(found))
    raise AssertionError("; ".join(problems))


@check(
    id="root-sign-in-alert",
    title="An alert tells you when root signs in, and only then",
    why="Root is put away: a sign-in as root is either you, on one of the rare tasks only root "
        "can do, or someone who must not be there. Either way, you want to know at once.",
    hint="An EventBridge rule in us-east-1 matching detail-type \"AWS Console Sign In via "
         "CloudTrail\" with detail.userIdentity.type \"Root\", whose target is an SNS topic "
         "with an e-mail subscription and a policy that lets events.amazonaws.com publish.",
)
def test_root_sign_in_alert(alert_rules: list[AlertRule], target: Target) -> None:
    account = target.account_id
    root, user = root_sign_in(account), user_sign_in(account)
    assert alert_rules, "no EventBridge rule in us-east-1 (where console sign-ins arrive)"
    problems = []
    for rule in alert_rules:
        if not rule.enabled:
            problems.append(f"rule {rule.name} is disabled")
        elif not rule.fires_on(root):
            problems.append(f"rule {rule.name} does not match root's sign-in")
        elif rule.fires_on(user):
            problems.append(f"rule {rule.name} matches every sign-in, not only root's")
        elif not rule.topics:
            problems.append(f"rule {rule.name} has no SNS topic as its target")
        elif not rule.topics_that_publish(account):
            problems.append(f"the policy of {', '.join(t.arn for t in rule.topics)} does not "
                            "let EventBridge (events.amazonaws.com) publish to it")
        elif not any(t.subscriptions for t in rule.topics_that_publish(account)):
            problems.append(f"no one is subscribed to {rule.topics[0].arn}")
        else:
            return
    raise AssertionError("; ".join(problems))


REPORTS = re.compile(r"^team-reports-\d{12}$")


def made_public(activity: list[Activity]) -> list[Activity]:
    """The successful PutBucketPolicy calls that opened the reports bucket to anyone."""
    found = []
    for event in activity:
        if event.name != "PutBucketPolicy" or not event.succeeded:
            continue
        bucket = event.parameters.get("bucketName") or event.parameters.get("bucket") or ""
        policy = event.parameters.get("bucketPolicy") or event.parameters.get("policy") or {}
        if isinstance(policy, str):
            try:
                policy = json.loads(policy)
            except ValueError:
                continue
        if REPORTS.match(str(bucket)) and _to_anyone(policy):
            found.append(event)
    return found


def _to_anyone(policy: object) -> bool:
    statements = policy.get("Statement", []) if isinstance(policy, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") if isinstance(statement, dict) else None
        if statement.get("Effect") == "Allow" and (  # type: ignore[union-attr]
                principal == "*" or (isinstance(principal, dict) and principal.get("AWS") in
                                     ("*", ["*"]))):
            return True
    return False


def _moment(text: str) -> dt.datetime | None:
    cleaned = re.sub(r"\s*(UTC|GMT)$", "", text.strip(), flags=re.IGNORECASE)
    cleaned = re.sub(r"[zZ]$", "+00:00", cleaned.replace(" ", "T", 1))
    try:
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@check(
    id="investigation",
    title="You found who made the team-reports bucket public, and when",
    why="This is what a trail is for: when something goes wrong, the record says who did it, "
        "from where and when, and you can read it.",
    hint="Look for PutBucketPolicy on the team-reports bucket: `aws cloudtrail lookup-events "
         "--lookup-attributes AttributeKey=EventName,AttributeValue=PutBucketPolicy`, or in "
         "your trail's log files. Answer in exercises/05-cloudtrail/answers.toml: "
         "who = \"USER\" and when = \"YYYY-MM-DDTHH:MMZ\" (UTC).",
)
def test_investigation(activity: list[Activity], answers: LearnerAnswers) -> None:
    opened = made_public(activity)
    assert opened, ("nothing has happened to investigate yet: run `grade start 05` (with your "
                    "admin user's credentials) first")
    assert not answers.problem, answers.problem
    incident = opened[0]
    who, when = answers.values["who"], _moment(answers.values["when"])
    assert who.strip().lower() == (incident.user_name or "").lower(), \
        f"who = {who!r}: that is not who made the bucket public"
    assert when is not None, f"when = {answers.values['when']!r} is not a time: write it as " \
                             "2026-11-29T15:42Z (UTC)"
    assert abs((when - incident.time).total_seconds()) < 90 or \
        when.replace(second=0, microsecond=0) == incident.time.replace(second=0,
                                                                      microsecond=0), \
        f"when = {answers.values['when']!r}: that is not when it happened (to the minute, UTC)"
