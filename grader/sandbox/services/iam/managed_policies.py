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

Drawing 1,600 ids costs more than copying the policies, and few are ever read
(GetPolicy, ListPolicies): so the generator is moved on at once by as many draws
as the ids take (`getrandbits` uses the same words `random()` does), and the ids
are drawn from its state before, in the same order, when one is first read.
"""

from __future__ import annotations

import functools
import json
import random
import string
from typing import Any, cast

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
    prototypes = _prototypes()
    ids = _Ids(mock_random.getstate())
    mock_random.getrandbits(64 * _DRAWS_PER_ID * len(prototypes))  # two words a random()
    made: list[ManagedPolicy] = []
    for position, prototype in enumerate(prototypes):
        policy = object.__new__(cast(Any, _Copy))
        policy.position = position
        policy.__dict__.update(prototype.__dict__)
        del policy.__dict__["id"]
        policy.ids = ids
        policy.account_id = backend.account_id
        policy.partition = backend.partition
        policy.tags = {}
        policy.versions = [_copied(version) for version in prototype.versions]
        made.append(policy)
    ids.policies = made
    return made


_ID_LETTERS = string.ascii_uppercase + string.digits
_DRAWS_PER_ID = 20


class _Ids:
    """One account's AWS managed policies' ids, drawn when first read: one by one for
    the first few (a generator moved on to the policy's place costs less than drawing
    them all), then all that are left."""

    ONE_BY_ONE = 8

    def __init__(self, state: Any) -> None:
        self.state = state  # moto's generator's state before the ids' draws
        self.policies: list[Any] = []
        self.drawn_alone = 0

    def draw(self, position: int) -> None:
        generator = random.Random()
        generator.setstate(self.state)
        if self.drawn_alone < self.ONE_BY_ONE:
            self.drawn_alone += 1
            if position:
                generator.getrandbits(64 * _DRAWS_PER_ID * position)
            self.policies[position].__dict__["_id"] = _policy_id(generator.random)
            return
        for policy in self.policies:
            made = _policy_id(generator.random)
            policy.__dict__.setdefault("_id", made)


def _policy_id(draw: Any) -> str:
    # moto's random_policy_id(): "A" + random.choices(A-Z0-9, k=20), which draws
    # random() 20 times; drawn the same way here, only without choices' overhead.
    return "A" + "".join([_ID_LETTERS[int(draw() * 36.0)] for _ in range(_DRAWS_PER_ID)])


class _Copy(AWSManagedPolicy):
    """An AWS managed policy whose id is drawn when first read (`_Ids`)."""

    ids: _Ids
    position: int  # in the account's policies, in the order their ids are drawn

    @property
    def id(self) -> str:
        if "_id" not in self.__dict__:
            self.ids.draw(self.position)
        return str(self.__dict__["_id"])

    @id.setter
    def id(self, value: str) -> None:
        self.__dict__["_id"] = value
MOTOS: Any = None  # moto's own `_init_aws_policies`, kept when ours replaces it (tests)


def _copied(thing: Any) -> Any:
    """A shallow copy (copy.copy, without its protocol's overhead: 7x quicker here)."""
    made = object.__new__(type(thing))
    made.__dict__.update(thing.__dict__)
    return made
