"""FakeNetmera behaves like Netmera's fireEvents, checked with plain httpx (not the package's client)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import netmera_events
import pytest
from netmera_events.testing import DEFAULT_FAKE_API_KEY, FakeNetmera, Fault

from .conftest import API_KEY, SEED_BODY

PATH = "/rest/3.0/fireEvents"
HEADERS = {"X-netmera-api-key": API_KEY, "Content-Type": "application/json"}


@pytest.fixture
def http(fake: FakeNetmera) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, timeout=5.0) as client:
        yield client


def post(http: httpx.Client, body: Any, headers: dict[str, str] = HEADERS) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(PATH, content=content, headers=headers)


def error_of(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, response.json()["code"]


def test_a_good_request_gets_200_with_an_empty_body_and_is_recorded(fake: FakeNetmera, http: httpx.Client) -> None:
    response = post(http, SEED_BODY)
    assert (response.status_code, response.content) == (200, b"")
    assert fake.events == SEED_BODY
    [request] = fake.requests
    assert (request.method, request.path, request.status_code, request.accepted) == ("POST", PATH, 200, 2)
    assert request.header("x-netmera-api-key") == API_KEY
    assert request.json() == SEED_BODY


def test_a_wrong_or_missing_key_is_403_2010(fake: FakeNetmera, http: httpx.Client) -> None:
    assert error_of(post(http, SEED_BODY, {**HEADERS, "X-netmera-api-key": "nope"})) == (403, 2010)
    assert error_of(post(http, SEED_BODY, {"Content-Type": "application/json"})) == (403, 2010)
    assert fake.events == []


@pytest.mark.parametrize("body", [b"[{", b"{}", b'"text"', b"[1, 2]", b'[{"extId": "u", "subTotal": NaN}]'])
def test_anything_but_an_array_of_objects_is_400_2009(http: httpx.Client, body: bytes) -> None:
    assert error_of(post(http, body)) == (400, 2009)


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"name": "ShareEvent", "itemId": "1", "channel": "x"}, 2020),
        ({"extId": "u", "itemId": "1", "channel": "x"}, 2020),
        ({"extId": "u", "name": "ShareEvent", "channel": "x"}, 2020),
        ({"extId": "u", "name": "NoSuchEvent"}, 5028),
        ({"extId": "u", "name": "ShareEvent", "itemId": 1, "channel": "x"}, 2004),
        (
            {
                "extId": "u",
                "name": "OrderCancelEvent",
                "paymentMethod": "c",
                "subTotal": "1",
                "itemCount": 1,
                "grandTotal": 1,
            },
            2004,
        ),
    ],
)
def test_schema_violations_get_netmera_codes(
    fake: FakeNetmera, http: httpx.Client, item: dict[str, Any], code: int
) -> None:
    response = post(http, [SEED_BODY[0], item])
    assert error_of(response) == (400, code)
    assert "index" not in response.json()  # like Netmera, the answer does not say which item
    assert fake.events == []


def test_schema_checks_can_be_turned_off(fake: FakeNetmera, http: httpx.Client) -> None:
    fake.check_schemas = False
    assert post(http, [{"extId": "u", "name": "AnythingGoes", "x": 1}]).status_code == 200


def test_other_routes_methods_and_content_types(http: httpx.Client) -> None:
    assert http.post("/rest/3.0/other", content=b"[]", headers=HEADERS).status_code == 404
    assert http.get(PATH, headers=HEADERS).status_code == 405
    response = post(http, SEED_BODY, {**HEADERS, "Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"


def test_more_than_1000_distinct_ext_ids_are_refused(fake: FakeNetmera, http: httpx.Client) -> None:
    items = [{"extId": f"u{n}", "name": "ShareEvent", "itemId": "1", "channel": "x"} for n in range(1001)]
    assert post(http, items).status_code == 400
    assert post(http, items[:1000]).status_code == 200


def test_a_chunked_body_is_read(fake: FakeNetmera, http: httpx.Client) -> None:
    body = json.dumps(SEED_BODY).encode()
    response = http.post(PATH, content=iter([body[:10], body[10:]]), headers=HEADERS)
    assert response.status_code == 200 and fake.events == SEED_BODY


def test_scripted_statuses_come_first_then_normal_answers(fake: FakeNetmera, http: httpx.Client) -> None:
    fake.script(
        500,
        Fault.respond(429, headers={"Retry-After": "1"}),
        Fault.respond(502, body="bad gateway", content_type="text/plain"),
    )
    first, second, third, fourth = (post(http, SEED_BODY) for _ in range(4))
    assert error_of(first) == (500, 2001)
    assert second.status_code == 429 and second.headers["retry-after"] == "1"
    assert (third.status_code, third.text) == (502, "bad gateway")
    assert fourth.status_code == 200
    assert [request.status_code for request in fake.requests] == [500, 429, 502, 200]
    assert fake.events == SEED_BODY


def test_a_fault_hook_can_fail_every_seventh_request(fake: FakeNetmera, http: httpx.Client) -> None:
    fake.fault_hook = lambda number: 503 if number % 7 == 0 else None
    statuses = [post(http, SEED_BODY).status_code for _ in range(14)]
    assert [n + 1 for n, status in enumerate(statuses) if status == 503] == [7, 14]


def test_dropped_connections(fake: FakeNetmera, http: httpx.Client) -> None:
    fake.script(Fault.drop(), Fault.drop(after_processing=True))
    with pytest.raises(httpx.RemoteProtocolError):
        post(http, SEED_BODY)
    assert fake.events == []
    with pytest.raises(httpx.RemoteProtocolError):
        post(http, SEED_BODY)
    assert fake.events == SEED_BODY  # processed, but the answer never came
    assert post(http, SEED_BODY).status_code == 200


def test_slow_answers_time_out_but_are_processed(fake: FakeNetmera) -> None:
    fake.script(Fault.delay(0.5))
    with httpx.Client(base_url=fake.url, timeout=0.1) as http, pytest.raises(httpx.ReadTimeout):
        post(http, SEED_BODY)
    assert fake.wait_for_events(2, timeout=5)


def test_stop_cuts_delays_short_and_reset_forgets() -> None:
    fake = FakeNetmera().start()
    assert fake.api_key == DEFAULT_FAKE_API_KEY and repr(fake).startswith("FakeNetmera(http://127.0.0.1:")
    fake.fault_hook = lambda number: Fault.delay(60)
    with httpx.Client(base_url=fake.url, timeout=10) as http:
        started = time.monotonic()
        try:
            http.post(PATH, content=b"[]", headers=HEADERS, timeout=0.1)
        except httpx.ReadTimeout:
            pass
        fake.stop()
        assert time.monotonic() - started < 2
    fake.reset()
    assert fake.requests == [] and fake.events == []
    assert repr(fake) == "FakeNetmera(stopped)"


def test_runs_as_a_command_and_prints_its_url() -> None:
    command = [sys.executable, "-m", "netmera_events.testing", "--port", "0", "--api-key", "dev-key"]
    root = str(netmera_events.__file__).rsplit("/netmera_events/", 1)[0]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={"PYTHONPATH": root, "PATH": ""}
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        response = httpx.post(url + PATH, json=SEED_BODY, headers={"X-netmera-api-key": "dev-key"}, timeout=5)
        assert response.status_code == 200
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "POST /rest/3.0/fireEvents -> 200 (ShareEvent x1, OrderCancelEvent x1)" in stderr
