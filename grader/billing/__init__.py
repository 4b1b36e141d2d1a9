"""What AWS's billing services mean, shared by the simulated account (which bills and
delivers) and the checks (which read what it delivered): the services as the bill names
them (`products`), and what a bucket's policy must allow Data Exports (`bucket_policy`).
Not a service: the account's bill and billing services are `grader.sandbox.services.billing` and its
siblings."""
