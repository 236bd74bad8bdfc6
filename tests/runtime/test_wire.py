"""The seed page, byte for byte: path, headers and body as an independent server receives them."""

from __future__ import annotations

import asyncio
import json

import pytest
from netmera_events import AsyncNetmeraClient, NetmeraClient

from ._recording_server import Received, RecordingServer
from .conftest import API_KEY, SEED_BODY, SEED_BYTES, seed_events


def check_seed_request(received: list[Received]) -> None:
    assert len(received) == 1
    request = received[0]
    assert request.method == "POST"
    assert request.path == "/rest/3.0/fireEvents"
    assert request.header("X-netmera-api-key") == [API_KEY]
    assert request.header("Content-Type") == ["application/json"]
    assert json.loads(request.body) == SEED_BODY
    assert request.body == SEED_BYTES


def test_sync_client_sends_the_seed_page_exactly() -> None:
    with RecordingServer() as server, NetmeraClient(API_KEY, base_url=server.url) as client:
        result = client.fire(*seed_events())
    assert (result.sent, result.requests, result.retried, result.ok) == (2, 1, 0, True)
    assert str(result) == "sent 2 events in 1 requests"
    check_seed_request(server.received)


def test_async_client_sends_the_seed_page_exactly() -> None:
    async def main() -> None:
        async with AsyncNetmeraClient(API_KEY, base_url=server.url) as client:
            result = await client.fire(*seed_events())
        assert (result.sent, result.requests) == (2, 1)

    with RecordingServer() as server:
        asyncio.run(main())
    check_seed_request(server.received)


def test_raw_payloads_are_sent_the_same_way() -> None:
    with RecordingServer() as server, NetmeraClient(API_KEY, base_url=server.url) as client:
        client.fire_payloads(*SEED_BODY)
    check_seed_request(server.received)


def test_a_base_url_with_a_path_prefix_keeps_it() -> None:
    with RecordingServer() as server, NetmeraClient(API_KEY, base_url=server.url + "/netmera/") as client:
        client.fire(seed_events()[0])
    assert server.received[0].path == "/netmera/rest/3.0/fireEvents"


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETMERA_API_KEY", API_KEY + "\n")
    with RecordingServer() as server, NetmeraClient(base_url=server.url) as client:
        client.fire(seed_events()[0])
    assert server.received[0].header("X-netmera-api-key") == [API_KEY]


def test_connections_are_kept_alive_between_calls() -> None:
    with RecordingServer() as server, NetmeraClient(API_KEY, base_url=server.url) as client:
        for _ in range(3):
            client.fire(seed_events()[0])
    assert len(server.received) == 3
    assert all(request.header("Connection") == ["keep-alive"] for request in server.received)
