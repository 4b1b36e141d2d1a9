"""AWS's managed policies copied into each account's IAM
(`grader.sandbox.services.iam.managed_policies`) make the very account moto makes: the same
policies and documents, the same ids drawn, and moto's random generator left where moto
leaves it (every later id, root's key included, depends on it)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("seed", [1, 2, 987654321])
def test_the_copies_draw_what_moto_draws(seed: int) -> None:
    from grader.sandbox.server import install_services

    install_services()  # IAM's patches among them
    from moto.iam.models import IAMBackend
    from moto.moto_api._internal import mock_random

    from grader.sandbox.services.iam import managed_policies

    backend = IAMBackend.__new__(IAMBackend)
    backend.account_id, backend.region_name, backend.partition = "123456789012", "aws", "aws"
    made = []
    for init in (managed_policies.MOTOS, managed_policies.init_aws_policies):
        mock_random.seed(seed)
        policies = init(backend)
        made.append(([(p.arn, p.id, p.account_id, p.default_version_id, p.versions[0].document)
                      for p in policies], mock_random.random()))
    assert made[0] == made[1]
    assert len(made[0][0]) > 1000
    # The copies' ids are drawn when first read: read after later draws, a few alone
    # (from the middle, the first, the last), then all: still moto's.
    mock_random.seed(seed)
    policies = managed_policies.init_aws_policies(backend)
    after = mock_random.random()
    expected = [p[1] for p in made[0][0]]
    for position in (700, 0, len(policies) - 1, 5, 6, 7, 8, 9, 10, 11, 3):
        assert policies[position].id == expected[position]
    assert ([p.id for p in policies], after) == (expected, made[0][1])


def test_a_copy_is_its_own() -> None:
    """Attaching a policy in one account (its count, its tags) leaves the next account's
    copy as new."""
    from grader.sandbox.server import install_services

    install_services()
    from moto.iam.models import IAMBackend

    arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    first = IAMBackend("aws", "111111111111").managed_policies[arn]
    first.attachment_count += 1
    first.tags["k"] = {"Key": "k", "Value": "v"}
    second = IAMBackend("aws", "222222222222").managed_policies[arn]
    assert second.attachment_count == 0 and second.tags == {}
    assert second.versions[0] is not first.versions[0]
