"""AWS's managed policies, made once per process and copied into each account's IAM.

moto makes its ~1,600 AWS managed policies anew for every IAM backend: it
parses their JSON, and each policy dumps and parses its document again
(0.3 s). The policies are the same for every account but for their ids, so
they are made once (`_prototypes`) and copied; each copy still draws its id
from moto's random generator, in the same order, so that every id drawn
after them (the root user's, its key's) is the one moto would have drawn:
an account comes out the same as before, only sooner. That matters for the
account's start and for an instructor's server, which opens an account per
re-grade.
"""

from __future__ import annotations

import functools
import json
import string
from typing import Any

from moto.iam.models import AWSManagedPolicy, IAMBackend, ManagedPolicy


@functools.cache
def _prototypes() -> tuple[AWSManagedPolicy, ...]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.moto_api._internal import mock_random

    data = json.loads(aws_managed_policies_data)
    drawn = mock_random.getstate()  # the prototypes' ids are not drawn from the account's
    try:
        return tuple(AWSManagedPolicy.from_data(name, "000000000000", "aws", item)
                     for name, item in data.items())
    finally:
        mock_random.setstate(drawn)


def init_aws_policies(backend: IAMBackend) -> list[ManagedPolicy]:
    """`IAMBackend._init_aws_policies`, from the prototypes."""
    from moto.moto_api._internal import mock_random
    from moto.settings import load_iam_aws_managed_policies

    if not load_iam_aws_managed_policies():
        return []
    made: list[ManagedPolicy] = []
    draw = mock_random.random
    for prototype in _prototypes():
        policy = _copied(prototype)
        # moto's random_policy_id(): "A" + random.choices(A-Z0-9, k=20), which draws
        # random() 20 times; drawn the same way here, only without choices' overhead.
        policy.id = "A" + "".join([_ID_LETTERS[int(draw() * 36.0)] for _ in range(20)])
        policy.account_id = backend.account_id
        policy.partition = backend.partition
        policy.tags = {}
        policy.versions = [_copied(version) for version in prototype.versions]
        made.append(policy)
    return made


_ID_LETTERS = string.ascii_uppercase + string.digits
MOTOS: Any = None  # moto's own `_init_aws_policies`, kept when ours replaces it (tests)


def _copied(thing: Any) -> Any:
    """A shallow copy (copy.copy, without its protocol's overhead: 7x quicker here)."""
    made = object.__new__(type(thing))
    made.__dict__.update(thing.__dict__)
    return made
