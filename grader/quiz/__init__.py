"""Knowledge exercises: questions with hashed answers, graded like checks.

A quiz exercise's folder holds `quiz.toml` (the questions, their options,
the hash of the right answer, the explanation and the lesson section) and
`answers.toml` (what the learner answers, by question id). The same
`quiz.toml` feeds `grade` and the self-checks on the course site.
"""
