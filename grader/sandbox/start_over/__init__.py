"""Starting the account over, the old one archived, never lost: `grade sandbox reset`,
`grade restart NN`, `grade sandbox restore NAME`.

`replacing`: the account replaced (a new record), cut back to a checkpoint (`rewind`) or
brought back from an archive, from `grade`'s side, by stopping and starting its process;
`fresh_start`: a reset inside the running process; `mark`: the mark a start over leaves
in the record (how an instructor's server tells it from a rewritten record);
`archives`: the accounts put away, listed and found.
"""
