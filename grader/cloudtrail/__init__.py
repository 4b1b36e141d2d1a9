"""CloudTrail's rules (what they are), as AWS documents them, for the simulated account and
the checks alike: not a service (the account's CloudTrail is `grader.sandbox.services.cloudtrail`).

`events`: which events are management events, and their source; `selectors`:
which events a trail keeps; `bucket_policy`: what a trail's bucket policy
must allow CloudTrail. The simulated account applies them (`grader.sandbox.
cloudtrail`); exercise 05's checks judge a trail by them (`grader.checks.
trails`). They stand on `grader.policy` and on nothing else of the grader.
"""
