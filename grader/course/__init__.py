"""The course as data: its exercises, found in their folders, and its site.

`exercises`: the course's exercises, in course order, found under `exercises/` (one
folder each: `exercise_folder` reads and validates one); `site`: the lessons served
on the learner's machine (`./scripts/course`), and where `grade` finds them.
"""
