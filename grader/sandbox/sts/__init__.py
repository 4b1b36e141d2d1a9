"""STS as AWS has it, where moto differs: AssumeRole and the role sessions it issues.

`models` keeps the sessions on moto's STSBackend (who assumed each, who is
behind it, its session policies) and decides who may assume a role;
`responses` answers AssumeRole with them (and refuses the federation calls
the simulated account cannot check); `install()` (in `install`) applies them
to moto once, before the first request. Nothing is imported here, so that the
front desk can read sessions (`models`) without loading `responses`.
"""
