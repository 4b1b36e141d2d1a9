"""The lessons' AWS CLI examples run, as printed on the site, against a real simulated
account: a learner who copies them gets what the lesson says (a trail that logs, an alert,
an export and a budget), in us-east-1 and, where the lesson says the Region can change,
in another Region too."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT, Course, client

LESSONS = ROOT / "docs" / "lessons"


def cli_tabs(lesson: str) -> list[str]:
    """The bash code of each `=== "AWS CLI"` tab of a lesson, as the site shows it."""
    text = (LESSONS / lesson).read_text()
    found = re.findall(r'=== "AWS CLI"\n\n    ```bash\n(.*?)\n    ```', text, re.DOTALL)
    return [textwrap.dedent(code) for code in found]


def bash_blocks(lesson: str, containing: str) -> list[str]:
    text = (LESSONS / lesson).read_text()
    return [b for b in re.findall(r"^```bash\n(.*?)\n```", text, re.DOTALL | re.MULTILINE)
            if containing in b]


def run(course: Course, code: str, tmp_path: Path) -> str:
    done = course.run(["bash", "-euo", "pipefail", "-c", code], cwd=tmp_path,
                      env=course.sandbox_env())
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_the_cloudtrail_lesson_builds_a_logging_trail(fresh: Course, tmp_path: Path,
                                                      region: str) -> None:
    trail_tab = next(t for t in cli_tabs("cloudtrail.md") if "create-trail" in t)
    assert "region=us-east-1" in trail_tab
    run(fresh, trail_tab.replace("region=us-east-1", f"region={region}"), tmp_path)
    trails = client(fresh.sandbox_env() | {"AWS_DEFAULT_REGION": region}, "cloudtrail")
    status = trails.get_trail_status(Name="management-events")
    assert status["IsLogging"]
    described = trails.describe_trails()["trailList"][0]
    assert described["HomeRegion"] == region and described["IsMultiRegionTrail"]
    assert described["LogFileValidationEnabled"]


def test_the_cloudtrail_lesson_alerts_on_roots_sign_in(fresh: Course, tmp_path: Path) -> None:
    (alert,) = bash_blocks("cloudtrail.md", "put-rule")
    run(fresh, alert, tmp_path)
    trail_tab = next(t for t in cli_tabs("cloudtrail.md") if "create-trail" in t)
    run(fresh, trail_tab, tmp_path)  # EventBridge gets sign-ins while a trail logs
    signin = fresh.grade("console", "signin", "root", "--password",
                         fresh.account()["root_password"])
    assert signin.returncode == 0, signin.stderr
    inbox = fresh.grade("sandbox", "inbox").stdout
    assert "to you@example.com" in inbox, inbox


def test_the_billing_lesson_makes_an_export_and_a_budget(fresh: Course, tmp_path: Path) -> None:
    export_tab, budget_tab = cli_tabs("billing-reports.md")
    assert "create-export" in export_tab and "create-budget" in budget_tab
    run(fresh, export_tab, tmp_path)
    run(fresh, budget_tab, tmp_path)
    env = fresh.sandbox_env()
    (listed,) = client(env, "bcm-data-exports").list_exports()["Exports"]
    assert listed["ExportName"] == "daily-costs"
    account = fresh.account()["account_id"]
    assert fresh.grade("sandbox", "advance", "1d").returncode == 0
    executions = client(env, "bcm-data-exports").list_executions(
        ExportArn=listed["ExportArn"])["Executions"]
    assert executions[0]["ExecutionStatus"]["StatusCode"] == "DELIVERY_SUCCESS"
    (budget,) = client(env, "budgets").describe_budgets(AccountId=account)["Budgets"]
    assert budget["BudgetName"] == "monthly-cost"


def test_the_key_leak_drill_stops_the_key_and_finds_what_it_did(fresh: Course,
                                                                 tmp_path: Path) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="deploy-bot")
    iam.attach_user_policy(UserName="deploy-bot",
                           PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    leaked = iam.create_access_key(UserName="deploy-bot")["AccessKey"]
    thief = env | {"AWS_ACCESS_KEY_ID": leaked["AccessKeyId"],
                   "AWS_SECRET_ACCESS_KEY": leaked["SecretAccessKey"]}
    client(thief, "iam").create_user(UserName="backdoor")
    (drill,) = [t for t in cli_tabs("key-leak.md")]
    code = drill.replace("AKIAEXAMPLEEXAMPLE", leaked["AccessKeyId"])
    code = code.replace('aws iam delete-access-key', 'echo would delete')  # keep it to look at
    out = run(fresh, code, tmp_path)
    assert "CreateUser" in out, out
    keys = iam.list_access_keys(UserName="deploy-bot")["AccessKeyMetadata"]
    assert [k["Status"] for k in keys] == ["Inactive"]
    assert iam.list_user_policies(UserName="deploy-bot")["PolicyNames"] == ["DenyOlderSessions"]


def test_describe_regions_lists_the_accounts_own(fresh: Course) -> None:
    """As AWS: the partition's enabled Regions; with AllRegions, the opt-in ones too; never
    GovCloud or China (another partition, where the account's keys do not exist)."""
    ec2 = client(fresh.sandbox_env(), "ec2")
    enabled = {r["RegionName"] for r in ec2.describe_regions()["Regions"]}
    every = {r["RegionName"] for r in ec2.describe_regions(AllRegions=True)["Regions"]}
    assert {"us-east-1", "eu-west-1", "ap-northeast-1"} <= enabled
    assert "af-south-1" not in enabled and "af-south-1" in every
    assert not [r for r in every if r.startswith(("us-gov-", "cn-"))]


def test_the_password_policy_example_sets_the_policy(fresh: Course, tmp_path: Path) -> None:
    (example,) = bash_blocks("stop-using-root.md", "update-account-password-policy")
    run(fresh, example, tmp_path)
    policy = client(fresh.sandbox_env(), "iam").get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 14 and policy["PasswordReusePrevention"] == 24


def test_the_account_summary_example_shows_the_neglected_account(fresh: Course,
                                                                 tmp_path: Path) -> None:
    (tab,) = [t for t in cli_tabs("shared-responsibility.md")]
    out = run(fresh, tab + " --output json", tmp_path)
    assert '"RootKeys": 1' in out and '"RootMFA": 0' in out, out


def test_the_credential_report_example_shows_roots_row(fresh: Course, tmp_path: Path) -> None:
    (tab,) = [t for t in cli_tabs("root-user.md")]
    run(fresh, "aws iam generate-credential-report >/dev/null", tmp_path)
    lines = run(fresh, tab.replace("aws iam generate-credential-report", ": "),
                tmp_path).splitlines()
    assert lines[0] == ("user,password_enabled,mfa_active,access_key_1_active,"
                        "access_key_1_last_rotated,access_key_1_last_used_date")
    user, password, mfa, active, _rotated, used = lines[1].split(",")
    assert (user, password, mfa, active) == ("<root_account>", "not_supported", "false", "true")
    assert used != "N/A", "the starting account's root key has been used"
