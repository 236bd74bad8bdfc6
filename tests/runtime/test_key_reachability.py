"""No object reachable from an exception the runtime raises holds the API key: not its text, its chained causes
and contexts, nor the local variables of the frames it passed through (as error reporters that capture locals
see them), however the failure happened: no connection, a drip-fed answer cut at its deadline, a proxy echoing
the request (headers included) in its error page, a server speaking garbage that quotes the key, a key refused
at construction."""

from __future__ import annotations

import asyncio
import collections
import traceback
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from netmera_events import (
    AsyncNetmeraClient,
    BackgroundSender,
    NetmeraAPIError,
    NetmeraClient,
    NetmeraConnectionError,
    NetmeraError,
    RetryPolicy,
    ShareEvent,
)
from netmera_events.testing import FakeNetmera, Fault

from ._raw_server import RawServer, drip, echo, raw

KEY = "key-Reachable-7f3a9c2e5b1d"
RETRY = RetryPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.01, total_timeout=3.0)
EVENT = ShareEvent(ext_id="user-1", item_id="1", channel="Mail")


def objects_reachable_from(error: BaseException) -> Iterator[object]:
    """Everything an error reporter could get to from ``error``: chained exceptions, attributes, and the frames
    of its traceback with their locals, followed into containers, attributes, closures and suspended
    generators (not into modules, classes or the callers above the traceback)."""
    seen: set[int] = set()
    stack: list[object] = [error]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or obj is None or isinstance(obj, (type, types.ModuleType, int, float)):
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, (str, bytes, bytearray, memoryview)):
            continue
        if isinstance(obj, BaseException):
            stack += [obj.__cause__, obj.__context__, obj.__traceback__, *obj.args]
        if isinstance(obj, types.TracebackType):
            stack += [obj.tb_frame, obj.tb_next]
        elif isinstance(obj, types.FrameType):
            stack.append(dict(obj.f_locals))
        elif isinstance(obj, dict):
            stack += [*obj.keys(), *obj.values()]
        elif isinstance(obj, (list, tuple, set, frozenset, collections.deque)):
            stack += list(obj)
        elif isinstance(obj, types.FunctionType):
            stack += [cell.cell_contents for cell in obj.__closure__ or () if _has_contents(cell)]
            stack += [obj.__defaults__, obj.__kwdefaults__]
        elif isinstance(obj, types.MethodType):
            stack += [obj.__self__, obj.__func__]
        elif isinstance(obj, (types.GeneratorType, types.CoroutineType)):
            frame = obj.gi_frame if isinstance(obj, types.GeneratorType) else obj.cr_frame
            stack.append(frame)
        else:
            stack += list(getattr(obj, "__dict__", {}).values())
            for cls in type(obj).__mro__:
                for slot in getattr(cls, "__slots__", ()):
                    if isinstance(slot, str) and hasattr(obj, slot):
                        stack.append(getattr(obj, slot))


def _has_contents(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def assert_key_unreachable(error: BaseException, key: str = KEY) -> None:
    rendered = "".join(
        traceback.TracebackException(type(error), error, error.__traceback__, capture_locals=True).format()
    )
    assert key not in rendered
    assert key[:12] not in rendered  # not even the part before a cut
    raw_key = key.encode()
    for obj in objects_reachable_from(error):
        if isinstance(obj, str):
            assert key not in obj, f"the key is reachable: {obj[:200]!r}"
        elif isinstance(obj, (bytes, bytearray)):
            assert raw_key not in obj, f"the key is reachable: {bytes(obj[:200])!r}"


def failure_of(call: Callable[[], object]) -> BaseException:
    try:
        call()
    except BaseException as error:  # noqa: BLE001 - the test inspects whatever was raised
        return error
    raise AssertionError("the call did not fail")


def fire_sync(url: str, timeout: float = 2.0) -> BaseException:
    client = NetmeraClient(KEY, base_url=url, retry=RETRY, timeout=timeout)
    try:
        return failure_of(lambda: client.fire(EVENT, EVENT))
    finally:
        client.close()


def fire_async(url: str, timeout: float = 2.0) -> BaseException:
    async def fire() -> None:
        async with AsyncNetmeraClient(KEY, base_url=url, retry=RETRY, timeout=timeout) as client:
            await client.fire(EVENT, EVENT)

    return failure_of(lambda: asyncio.run(fire()))


def fire_background(url: str, timeout: float = 2.0) -> BaseException:
    errors: list[NetmeraError] = []
    client = NetmeraClient(KEY, base_url=url, retry=RETRY, timeout=timeout)
    with client, BackgroundSender(client, on_error=lambda error, events: errors.append(error)) as sender:
        sender.enqueue(EVENT)
        assert sender.flush(timeout=20)
    assert errors
    return errors[0]


SENDERS = [fire_sync, fire_async, fire_background]


@pytest.fixture(params=SENDERS, ids=lambda sender: sender.__name__)
def send(request: pytest.FixtureRequest) -> Callable[..., BaseException]:
    return request.param  # type: ignore[no-any-return]


def test_no_connection(send: Callable[..., BaseException]) -> None:
    with FakeNetmera(KEY) as fake:
        url = fake.url  # free a moment ago, closed now
    error = send(url)
    assert isinstance(error, NetmeraConnectionError)
    assert error.__cause__ is None  # the httpx error (holding the request) is not chained
    assert_key_unreachable(error)


def test_an_answer_cut_at_its_deadline(send: Callable[..., BaseException]) -> None:
    with RawServer(drip(b"HTTP/1.1 200 OK\r\n", 0.2)) as server:
        error = send(server.url, timeout=0.5)
    assert isinstance(error, NetmeraConnectionError) and "ReadTimeout" in str(error)
    assert_key_unreachable(error)


@pytest.mark.parametrize("status", [400, 403, 502])
def test_a_proxy_echoing_the_request(send: Callable[..., BaseException], status: int) -> None:
    with RawServer(echo(status)) as server:
        error = send(server.url)
    assert isinstance(error, NetmeraAPIError) and error.status_code == status
    assert "********" in error.message  # the header line was there, masked
    assert_key_unreachable(error)


@pytest.mark.parametrize("before", [480, 490, 495, 499])
def test_a_key_echoed_at_the_cut_is_masked_before_cutting(send: Callable[..., BaseException], before: int) -> None:
    with FakeNetmera(KEY) as fake:
        fake.fault_hook = lambda number: Fault.respond(400, code=2009, message="x" * before + " " + KEY + " tail")
        error = send(fake.url)
    assert isinstance(error, NetmeraAPIError) and len(error.message) <= 500
    assert_key_unreachable(error)
    for length in range(6, len(KEY)):
        assert KEY[:length] not in error.message


def test_garbage_quoting_the_key(send: Callable[..., BaseException]) -> None:
    with RawServer(raw(lambda request: request.replace(b"POST", b"HTTP/9 ZZZ") + b"\r\n\r\n")) as server:
        error = send(server.url)
    assert isinstance(error, NetmeraConnectionError)
    assert_key_unreachable(error)


def test_a_key_refused_at_construction_is_not_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # From the environment, so that the test's own frames do not hold the key.
    for unusable in (KEY + "\x7f", KEY + "é"):
        monkeypatch.setenv("NETMERA_API_KEY", unusable)
        for cls in (NetmeraClient, AsyncNetmeraClient, BackgroundSender):
            error = failure_of(cls)
            assert isinstance(error, ValueError)
            assert_key_unreachable(error, key=unusable)


def test_the_walk_finds_a_key_held_the_way_httpx_errors_hold_it() -> None:
    """The check itself can fail: an httpx error, as the runtime used to chain it, exposes the key."""
    import httpx

    with FakeNetmera(KEY) as fake:
        url = fake.url

    def post() -> Any:
        return httpx.post(url + "/x", headers={"X-netmera-api-key": KEY}, content=b"[]")

    cause = failure_of(post)
    error = NetmeraConnectionError("ConnectError")
    error.__cause__ = cause
    found = [obj for obj in objects_reachable_from(error) if isinstance(obj, (str, bytes)) and KEY in str(obj)]
    assert found  # through error.request.headers, which is neither in a repr nor in a frame's locals
    with pytest.raises(AssertionError):
        assert_key_unreachable(error)
