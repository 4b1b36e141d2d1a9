"""Billing for the simulated account: its bill (`bill`: `usage` priced by the hour for the
`resources` that cost money) and IAM user and role access to billing information
(`models`), an account setting only root changes. What the bill's products are, and what
Data Exports' bucket policy must allow, is `grader.billing`, shared with the checks."""
