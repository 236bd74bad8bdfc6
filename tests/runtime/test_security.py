"""The API key never appears in a repr, a log line or an exception; logs name events, never payloads;
plain http off loopback draws a warning; settings refuse what would make requests unbounded or unsafe."""

from __future__ import annotations

import asyncio
import logging
import pickle
import traceback
import warnings

import httpx
import pytest
from netmera_events import (
    AsyncNetmeraClient,
    BackgroundSender,
    InsecureBaseURLWarning,
    NetmeraClient,
    NetmeraError,
    OrderCancelEvent,
)
from netmera_events._config import Secret
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, FAST_RETRY, many_events

#: Distinctive values that must not reach any log line either.
PAYLOAD_MARKERS = ("secret-user", "Secret Card")


def secret_events(count: int) -> list[OrderCancelEvent]:
    return [
        OrderCancelEvent(
            ext_id=f"secret-user-{n}", payment_method="Secret Card", sub_total=1.0, item_count=n, grand_total=2.0
        )
        for n in range(count)
    ]


def test_the_key_appears_nowhere(fake: FakeNetmera, caplog: pytest.LogCaptureFixture) -> None:
    texts: list[str] = []

    def keep(error: BaseException) -> None:
        texts.extend([str(error), repr(error), "".join(traceback.format_exception(error))])

    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, timeout=0.3) as client:
        texts += [repr(client), str(client), repr(client.settings), repr(client.settings.api_key)]
        fake.script(500, Fault.drop(), Fault.delay(0.5), 429)
        result = client.fire(*secret_events(3))
        texts += [repr(result), str(result)]
        fake.unknown_events = {"OrderCancelEvent"}
        for script in ([], [Fault.respond(403, code=2010, message=f"bad key {API_KEY}")], [400]):
            fake.script(*script)
            try:
                client.fire(*secret_events(2))
            except NetmeraError as error:
                keep(error)
        fake.unknown_events = set()
        with BackgroundSender(client, on_error=lambda error, events: keep(error)) as sender:
            texts.append(repr(sender))
            fake.script(403)
            sender.enqueue(secret_events(1)[0])
            sender.flush(timeout=5)
            texts.append(repr(sender.stats))

    async def use_async() -> None:
        async with AsyncNetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client:
            texts.append(repr(client))
            fake.script(503)
            await client.fire(*secret_events(1))

    asyncio.run(use_async())
    with NetmeraClient(API_KEY, base_url="http://127.0.0.1:9", retry=FAST_RETRY) as client:
        try:
            client.fire(*secret_events(1))
        except NetmeraError as error:
            keep(error)

    log = caplog.text
    assert "HTTP Request: POST" in log  # httpx did log at debug level
    assert "retrying" in log and "refused" in log
    everything = log + "\n".join(texts)
    assert API_KEY not in everything
    for marker in PAYLOAD_MARKERS:
        assert marker not in log


def test_the_key_cannot_be_pickled() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret(API_KEY))
    assert API_KEY not in repr(Secret(API_KEY)) + str(Secret(API_KEY)) + f"{Secret(API_KEY)}"


def test_a_missing_key_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETMERA_API_KEY", raising=False)
    with pytest.raises(ValueError, match="NETMERA_API_KEY"):
        NetmeraClient()
    with pytest.raises(ValueError, match="NETMERA_API_KEY"):
        NetmeraClient("  ")


def test_a_key_that_cannot_be_a_header_is_refused_without_quoting_it() -> None:
    with pytest.raises(ValueError) as caught:
        NetmeraClient("abc\ndef")
    assert "abc" not in str(caught.value)


@pytest.mark.parametrize("url", ["http://restapi.example.com", "http://10.0.0.8:8080/netmera"])
def test_plain_http_off_loopback_warns(url: str) -> None:
    with pytest.warns(InsecureBaseURLWarning, match="unencrypted") as caught:
        NetmeraClient(API_KEY, base_url=url).close()
    assert caught[0].filename == __file__  # points at the caller's line


@pytest.mark.parametrize(
    "url", ["https://restapi.netmera.com", "http://127.0.0.1:8080", "http://localhost", "http://[::1]:9000"]
)
def test_https_and_loopback_do_not_warn(url: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NetmeraClient(API_KEY, base_url=url).close()


@pytest.mark.parametrize("url", ["ftp://example.com", "restapi.netmera.com", "https://", "https://x.com/?a=1"])
def test_unusable_base_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        NetmeraClient(API_KEY, base_url=url)


def test_timeouts_are_always_set() -> None:
    with pytest.raises(ValueError):
        NetmeraClient(API_KEY, timeout=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        NetmeraClient(API_KEY, timeout=httpx.Timeout(5.0, read=None))
    with pytest.raises(ValueError):
        NetmeraClient(API_KEY, timeout=0)
    with NetmeraClient(API_KEY) as client:
        timeout = client.settings.timeout
        assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (5.0, 10.0, 10.0, 10.0)
    with NetmeraClient(API_KEY, timeout=2.5) as client:
        assert client.settings.timeout.read == 2.5


def test_a_closed_client_says_so(fake: FakeNetmera) -> None:
    client = NetmeraClient(API_KEY, base_url=fake.url)
    client.close()
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.fire(*many_events(1, users=1))
    assert "closed" in repr(client)
