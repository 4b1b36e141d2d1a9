"""The learner's progress: every grading, kept under GRADE_HOME."""
