"""Grading: an exercise's checks run against an account, and the one result they give.

`runner` runs an exercise's checks with pytest (the plugin and fixtures are
`grader.checks`), the checks it reuses from other exercises with them
(`reused_checks`), into an `ExerciseResult` (`results`): what `grade NN` shows, the
progress keeps and the instructor's server re-grades into. For the simulated account
the checks run in the account's own process (`in_account`: `POST /_sandbox/grade`),
which `account_process` composes on top of the account (the account itself knows
nothing of grading: `tests/test_layers.py`).
"""
