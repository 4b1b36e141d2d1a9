"""The CloudTrail service of the simulated account (what it does): the record's events in
CloudTrail's format (`events`), LookupEvents (the console's "Event history") answered from
the record (`lookup`, `responses`), trails (`models`, `status`) and the log files and
digests delivered to their buckets (`delivery`, `log_files`, `digests`, `signing_keys`).

CloudTrail's rules (which events are management events, what a trail keeps, what its
bucket policy must allow) are `grader.cloudtrail`, shared with the checks that judge
a trail; this package applies them."""
