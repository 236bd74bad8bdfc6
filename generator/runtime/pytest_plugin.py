"""The ``fake_netmera`` pytest fixture, registered as a pytest plugin when this package is installed.

A test that takes ``fake_netmera`` gets a running :class:`FakeNetmera` on 127.0.0.1 and a
:class:`NetmeraClient` bound to it (fast retries, so failure tests stay quick)::

    def test_checkout_sends_the_order(fake_netmera):
        checkout(client=fake_netmera.client)
        assert [event["name"] for event in fake_netmera.events] == ["OrderCompleted"]

Faults are at hand: ``fake_netmera.fail_next(503, times=2)``, ``fake_netmera.script(...)`` with any
:class:`Fault`, ``fake_netmera.server.fault_hook = ...`` for a rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._client import NetmeraClient
from ._retry import RetryPolicy
from .testing import DEFAULT_FAKE_API_KEY, FakeNetmera, Fault, FaultLike, RecordedRequest

__all__ = ["FAKE_NETMERA_RETRY", "FakeNetmeraFixture", "fake_netmera"]

#: Retries in milliseconds: a scripted failure is retried without slowing the test down.
FAKE_NETMERA_RETRY = RetryPolicy(
    max_attempts=4, initial_delay=0.001, max_delay=0.01, total_timeout=5.0
)
#: Seconds each request of the fixture's client may take.
_CLIENT_TIMEOUT = 5.0


class FakeNetmeraFixture:
    """What ``fake_netmera`` gives a test: ``server`` (the :class:`FakeNetmera`), ``client`` (a
    :class:`NetmeraClient` sending to it) and shortcuts to what the server recorded and to its
    faults. ``Fault`` is the fault class, for ``script(fake_netmera.Fault.delay(2.0))``."""

    Fault = Fault

    def __init__(self, server: FakeNetmera, client: NetmeraClient) -> None:
        self.server = server
        self.client = client
        self._clients = [client]

    def __repr__(self) -> str:
        return f"FakeNetmeraFixture({self.server.url})"

    @property
    def url(self) -> str:
        """The base URL to give your own clients and senders."""
        return self.server.url

    @property
    def api_key(self) -> str:
        return self.server.api_key

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event the server accepted, in arrival order."""
        return self.server.events

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.server.requests

    def script(self, *faults: FaultLike) -> None:
        """React to the next requests with these faults, one each (an int is a status)."""
        self.server.script(*faults)

    def fail_next(self, status_code: int = 500, *, times: int = 1) -> None:
        """Answer the next ``times`` requests with ``status_code`` (Netmera's error body)."""
        self.server.script(*[Fault.respond(status_code) for _ in range(times)])

    def wait_for_events(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until ``count`` events arrived (for background senders)."""
        return self.server.wait_for_events(count, timeout)

    def client_for(self, **options: Any) -> NetmeraClient:
        """Another client bound to the server, with other options (closed with the fixture)."""
        options.setdefault("retry", FAKE_NETMERA_RETRY)
        options.setdefault("timeout", _CLIENT_TIMEOUT)
        client = NetmeraClient(self.server.api_key, base_url=self.server.url, **options)
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Close every client the fixture made."""
        for client in self._clients:
            client.close()


@pytest.fixture
def fake_netmera() -> Iterator[FakeNetmeraFixture]:
    """A running FakeNetmera and a NetmeraClient bound to it; both stopped after the test."""
    with FakeNetmera(DEFAULT_FAKE_API_KEY) as server:
        client = NetmeraClient(
            DEFAULT_FAKE_API_KEY,
            base_url=server.url,
            retry=FAKE_NETMERA_RETRY,
            timeout=_CLIENT_TIMEOUT,
        )
        fixture = FakeNetmeraFixture(server, client)
        try:
            yield fixture
        finally:
            fixture.close()
