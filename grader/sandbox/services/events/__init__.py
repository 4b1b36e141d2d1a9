"""EventBridge (the service `events`), for the simulated account: its default bus and
rules, fed with the account's CloudTrail events (`models`). Not to be confused with the
record's events (`grader.sandbox.history.record.Event`: every request the account answered) nor
with CloudTrail's events (`grader.sandbox.services.cloudtrail.events`: one of those, as CloudTrail
writes it)."""
