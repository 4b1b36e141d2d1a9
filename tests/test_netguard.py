"""Nothing in the tests or the simulated account can connect off this machine."""

from __future__ import annotations

import socket

import pytest

from grader.netguard import RemoteConnectionRefused, is_loopback


def test_remote_addresses_are_refused() -> None:
    with socket.socket() as sock, pytest.raises(RemoteConnectionRefused):
        sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed


def test_loopback_is_allowed() -> None:
    assert is_loopback(("127.0.0.1", 80)) and is_loopback(("::1", 80))
    assert is_loopback(("localhost", 80))
    assert not is_loopback(("10.0.0.1", 80))
