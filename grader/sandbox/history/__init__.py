"""The account's history: the record of who did what, and the account made again from it.

`record`: every request, who made it and what came of it (the record's events, durable);
`bootstrap`: the history every account starts with; `checkpoints`: where in the record
each exercise began (`grade restart`); `replay`: the account rebuilt from its record in
its own process; `rebuild`: a learner's account rebuilt from their record inside another
process (an instructor's server), where `parking` takes a rebuilt account's state out of
moto and back, and `footprints` takes back what the grader's reads left in it.
"""
