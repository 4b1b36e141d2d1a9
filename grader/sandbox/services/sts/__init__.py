"""STS as AWS has it, where moto differs: AssumeRole, GetSessionToken and the sessions
they issue.

`models` keeps the role sessions on moto's STSBackend (who assumed each, who
is behind it, its session policies) and decides who may assume a role;
`session_tokens` keeps GetSessionToken's sessions (a user's own temporary
credentials, MFA-authenticated or not) and what they may not call (kept apart
from `models` for its size); `responses` answers AssumeRole and
GetSessionToken with them (and refuses the federation calls the simulated
account cannot check); `install.PATCHES` changes moto with them, and `service`
declares the service to the account (`grader.services`). Nothing is imported
here, so that the front desk can read sessions (`models`, `session_tokens`)
without loading `responses`.
"""
