"""A real AWS account, as the tests reach one: the simulated account through a profile
(`grade --profile course-live`), graded in live mode."""

from __future__ import annotations

from tests.conftest import Course


def live_profile(course: Course, env: dict[str, str]) -> dict[str, str]:
    """The environment of `grade --profile course-live`: the simulated account reached as a
    real one, with `env`'s key (live mode: no record, no inbox; the grader's calls are
    made with the learner's key, and recorded as theirs)."""
    config = course.home / "live-aws-config"
    config.write_text("[profile course-live]\n"
                      f"aws_access_key_id = {env['AWS_ACCESS_KEY_ID']}\n"
                      f"aws_secret_access_key = {env['AWS_SECRET_ACCESS_KEY']}\n"
                      f"region = us-east-1\nendpoint_url = {env['AWS_ENDPOINT_URL']}\n")
    return {**course.env, "AWS_CONFIG_FILE": str(config)}
