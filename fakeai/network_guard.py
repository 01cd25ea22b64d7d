"""The opt-in guard of a fake_openai test: any connection beyond loopback fails the test.

Patches ``socket.socket.connect``/``connect_ex``/``sendto`` (every Python client, asyncio included,
connects through them) for the test's duration. A blocked connection raises ``NetworkBlocked`` at
the call and is recorded, so the test fails at teardown even if the code under test swallowed it.
"""

from __future__ import annotations

import ipaddress
import socket

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class NetworkBlocked(ConnectionRefusedError):
    """A connection beyond loopback during a test that asked fakeai to block the network."""


def is_loopback(family, address) -> bool:
    if family == getattr(socket, "AF_UNIX", object()):
        return True
    if not isinstance(address, tuple) or not address:
        return False
    host = str(address[0]).split("%")[0].lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name other than localhost would be resolved and reach the network


class NetworkGuard:
    """``NetworkGuard().install(monkeypatch)``; ``blocked`` lists what was stopped."""

    def __init__(self):
        self.blocked: list[str] = []

    def check(self, sock, address) -> None:
        if not is_loopback(sock.family, address):
            message = (f"fakeai: this test tried to connect to {address!r}, beyond loopback, while "
                       f"block_network is on; serve it with fakeai or drop block_network for this test")
            self.blocked.append(message)
            raise NetworkBlocked(message)

    def install(self, monkeypatch) -> None:
        guard = self
        connect, connect_ex, sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto

        def guarded_connect(sock, address):
            guard.check(sock, address)
            return connect(sock, address)

        def guarded_connect_ex(sock, address):
            guard.check(sock, address)
            return connect_ex(sock, address)

        def guarded_sendto(sock, data, *rest):
            guard.check(sock, rest[-1])
            return sendto(sock, data, *rest)

        monkeypatch.setattr(socket.socket, "connect", guarded_connect)
        monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
        monkeypatch.setattr(socket.socket, "sendto", guarded_sendto)
