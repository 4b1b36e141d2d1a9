"""Refuse, inside this process, any network connection that leaves the machine.

The simulated account and the project's tests must never reach real AWS,
even with real credentials in the environment. `forbid_remote()` makes
every socket connection to an address outside 127.0.0.0/8 and ::1 fail
before a packet is sent.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


class RemoteConnectionRefused(ConnectionRefusedError):
    """Raised instead of connecting to a host that is not this machine."""


def is_loopback(address: Any) -> bool:
    if isinstance(address, str | bytes):
        return True  # a Unix socket path stays on this machine
    if not (isinstance(address, tuple) and address):
        return False
    host = str(address[0])
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            resolved = socket.getaddrinfo(host, None)
        except OSError:
            return False
        return all(ipaddress.ip_address(info[4][0]).is_loopback for info in resolved)


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address):
        raise RemoteConnectionRefused(f"refused to connect to {address!r}: not this machine")
    _original_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address):
        raise RemoteConnectionRefused(f"refused to connect to {address!r}: not this machine")
    return _original_connect_ex(self, address)


def forbid_remote() -> None:
    """From now on, this process connects only to loopback addresses."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
