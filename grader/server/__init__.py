"""The instructor progress server (`grade-server`): learners' `grade` sends each grading
here; the server keeps each learner's record, re-grades what they send, and shows a
cohort's progress on a dashboard (issue #13).

One idea per module: `schema` (the tables), `database` (engines, transactions),
`migrations/` (alembic), `enrolment` (cohorts, joining), `records` (a learner's record:
continuity, flags), `ingest` (taking a submission), `jobs` (the re-grade queue),
`worker` (running re-grades), `progress` (the grid's summary table), `auth`, `csrf`,
`sessions`, `rate_limits`, `api` (the learner's HTTP API), `dashboard` and `exports`
(the instructor's pages), `app` (the ASGI app), `cli` (`grade-server`).
"""
