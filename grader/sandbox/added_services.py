"""Services moto does not have, added through moto's own seams (no fork).

moto finds a service's backends by importing `moto.<name>` (the signing name
without dashes) and its URLs from the backend's module (`models` -> `urls`).
`register` makes one of our packages answer as that module, adds its URL
patterns to moto's index, and tells the front desk moto now "has" it.
A registered package offers `<name>_backends` (a moto BackendDict) from its
`__init__`, and `models`, `responses` and `urls` modules in moto's shape.
"""

from __future__ import annotations

import re
import sys
from types import ModuleType

ADDED: set[str] = set()  # botocore signing names of the services added here


def register(service: str, package: ModuleType, url_pattern: str) -> None:
    """Answer `service` (botocore's signing name, as "bcm-data-exports") with `package`."""
    from moto import backend_index

    module_name = "moto." + service.replace("-", "")
    sys.modules.setdefault(module_name, package)
    known = {name for name, _ in backend_index.backend_url_patterns}
    if service.replace("-", "") not in known:
        backend_index.backend_url_patterns.append(
            (service.replace("-", ""), re.compile(url_pattern)))
    ADDED.add(service)
