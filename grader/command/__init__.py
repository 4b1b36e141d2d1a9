"""`grade`, the learner's command: a module per command, each thin, calling the rest.

- `main`: where `grade` begins (`main`: exit statuses, errors shown in one line) and which
  command runs; `arguments`: every command's arguments, as argparse parses them;
- `grade_exercise`: `grade NN`, one exercise graded (in the simulated account, by its own
  process: `grader.grading.in_account`; or a real one, read-only), shown and recorded;
  `report`: how results and progress look in a terminal; `terminal_markdown`: an
  exercise's README or solution in a terminal;
- `commands`: the others: progress, `list`, `show`, `hint`, `solution`, `sandbox ...`;
  `watch`: `grade watch NN`; `restart`: `grade restart NN`; `exercise_start`:
  `grade start NN`; `archive_commands`: `grade sandbox reset | archives | restore`;
  `asking`: confirming what changes the account;
- `sandbox_env`: `grade sandbox env`, the AWS CLI pointed at the account, through the
  course's own AWS CLI files (`aws_config`), with the AWS CLI's cached role sessions
  that the account's clock has ended forgotten (`aws_cli_sessions`);
- `console`: `grade console ...`, the account's console from the terminal;
- `authenticator`: `grade authenticator`, a stand-in for a phone's authenticator app
  (`qr_codes`: the QR code it reads);
- `cohort`: `grade join | submit | leave`, a learner in an instructor's cohort.
"""
