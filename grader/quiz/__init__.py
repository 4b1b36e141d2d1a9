"""Knowledge exercises: questions with hashed answers, graded like checks.

A quiz exercise's folder holds `quiz.toml` (the questions, their options,
the hash of the right answer, the explanation and the lesson section). The
learner answers in a terminal, or in `answers.toml` beside it: their own
file, ignored by git, which `grade` writes blank when it is needed. The same
`quiz.toml` feeds `grade` and the self-checks on the course site.
"""
