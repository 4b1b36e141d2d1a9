"""The account's front desk: every request to the account's AWS API, met in order.

`app` ties the steps to moto and the record (`SandboxApp.handle`): `authentication`
(addressed here, SigV4 that parses, fresh, not too large), `callers` (whose key;
`grader_key`: what the grader's key may call), `signatures` (made with its secret),
`operations` (exactly which operation, the one moto then runs), `validation` (input AWS
refuses; `java_patterns`: AWS's patterns for Python), `authorization` (what the
caller's policies allow), `moto_dispatch` (moto answers), `aws_errors` (AWS's error
answers), `wsgi` (requests as WSGI has them), `in_process` (requests handed to the
desk in this process, without a socket: a grading's, a re-grade's).
"""
