"""The Regions DescribeRegions lists, as AWS lists them to an account.

moto lists every Region it knows, of every partition (GovCloud and China
included), and counts some opt-in Regions (af-south-1, eu-south-1...) as
enabled by default. AWS lists the Regions of the account's own partition
that are enabled for it: the 17 that need no opt-in (AWS General Reference,
"Regions": those introduced before 20 March 2019); with `AllRegions`, every
Region of the partition, each with its opt-in status.
"""

from __future__ import annotations

from typing import Any

PARTITION_PREFIXES = ("us-gov-", "cn-", "us-iso", "eu-isoe-")  # not the aws partition
ENABLED_BY_DEFAULT = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
    "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1",
})


def visible_regions(regions: list[Any], all_regions: bool) -> list[Any]:
    """The account's Regions (`all_regions`: of its partition, enabled or not), with the
    opt-in status AWS gives them."""
    ours = [r for r in regions if not r.name.startswith(PARTITION_PREFIXES)]
    for region in ours:
        region.opt_in_status = ("opt-in-not-required" if region.name in ENABLED_BY_DEFAULT
                                else "not-opted-in")
    return ours if all_regions else [r for r in ours if r.name in ENABLED_BY_DEFAULT]
