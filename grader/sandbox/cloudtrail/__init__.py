"""CloudTrail for the simulated account: events in AWS's record format, and
LookupEvents (the console's "Event history") answered from the record."""
