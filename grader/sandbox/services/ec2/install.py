"""Put `models.visible_regions` in front of moto's DescribeRegions (`PATCHES`)."""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult

from grader.sandbox.moto_patches import ACTION, replaced_by
from grader.sandbox.services.ec2.models import visible_regions


def describe_regions(self: Any) -> Any:
    self.error_on_dryrun()
    names = self._get_param("RegionNames", [])
    everything = str(self._get_param("AllRegions", "false")).lower() == "true"
    regions = self.ec2_backend.describe_regions(names)
    return ActionResult({"Regions": regions if names else
                         visible_regions(list(regions), everything)})


PATCHES = (
    replaced_by("moto.ec2.responses.availability_zones_and_regions:AvailabilityZonesAndRegions",
                "describe_regions", describe_regions, shape=ACTION),
)
