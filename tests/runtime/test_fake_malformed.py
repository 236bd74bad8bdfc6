"""FakeNetmera answers every malformed request as Netmera would, with a 400 (or 411/413) and a code, never a 500
for bad input, never a dropped connection without an answer, never a traceback in its log."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from netmera_events.testing import FakeNetmera

from .conftest import API_KEY

HEAD = f"POST /rest/3.0/fireEvents HTTP/1.1\r\nHost: x\r\nX-netmera-api-key: {API_KEY}\r\nContent-Type: application/json\r\n"


def exchange(fake: FakeNetmera, request: bytes) -> tuple[int, bytes]:
    """Send raw bytes, read the answer until the server closes or the body is complete."""
    with socket.create_connection(("127.0.0.1", fake.port), timeout=10) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)  # all of it: a body cut short stays short
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head, "the server closed the connection without answering"
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
        while len(body) < length:
            chunk = connection.recv(65536)
            if not chunk:
                break
            body += chunk
    return int(head.split()[1]), body


def with_body(body: bytes) -> bytes:
    return (HEAD + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


BODIES = {
    "name-is-a-list": json.dumps([{"extId": "u", "name": ["ShareEvent"]}]).encode(),
    "name-is-an-object": json.dumps([{"extId": "u", "name": {"a": 1}}]).encode(),
    "ext-id-is-an-object": json.dumps([{"extId": {"a": [1]}, "name": "ShareEvent"}]).encode(),
    "deep-array": b"[" * 100_000 + b"]" * 100_000,
    "deep-item": b'[{"extId": "u", "name": "ShareEvent", "itemId": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]",
    "huge-int": b'[{"extId": "u", "name": "ShareEvent", "itemId": ' + b"9" * 5000 + b"}]",
    "not-utf8": b'[{"extId": "\xff\xfe", "name": "ShareEvent"}]',
    "nan": b'[{"extId": "u", "name": "ShareEvent", "itemId": NaN}]',
}

REQUESTS = {
    "content-length-words": (HEAD + "Content-Length: ten\r\n\r\n").encode(),
    "content-length-negative": (HEAD + "Content-Length: -5\r\n\r\n[]").encode(),
    "content-length-huge": (HEAD + "Content-Length: 99999999999999999999999\r\n\r\n[]").encode(),
    "content-length-over-the-cap": (HEAD + "Content-Length: 999999999999\r\n\r\n[]").encode(),
    "no-length": (HEAD + "\r\n").encode(),
    "chunk-size-words": (HEAD + "Transfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n").encode(),
    "chunk-size-negative": (HEAD + "Transfer-Encoding: chunked\r\n\r\n-2\r\n[]\r\n0\r\n\r\n").encode(),
    "chunk-size-huge": (HEAD + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n[]\r\n0\r\n\r\n").encode(),
    "chunk-cut-short": (HEAD + "Transfer-Encoding: chunked\r\n\r\n10\r\n[]").encode(),
}


@pytest.fixture
def quiet_fake(caplog: pytest.LogCaptureFixture) -> FakeNetmera:
    caplog.set_level(logging.DEBUG, logger="netmera_events")
    return FakeNetmera(API_KEY).start()


def assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [record for record in caplog.records if record.exc_info or record.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("name", list(BODIES))
def test_malformed_bodies_get_a_400_with_a_code(
    quiet_fake: FakeNetmera, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    with quiet_fake:
        status, body = exchange(quiet_fake, with_body(BODIES[name]))
    assert status == 400
    assert json.loads(body)["code"] in (2009, 2020, 2004)
    assert_no_traceback(caplog)


@pytest.mark.parametrize("name", list(REQUESTS))
def test_malformed_framing_gets_an_answer(quiet_fake: FakeNetmera, caplog: pytest.LogCaptureFixture, name: str) -> None:
    with quiet_fake:
        status, _ = exchange(quiet_fake, REQUESTS[name])
        assert status in (400, 411, 413)
        assert quiet_fake.events == []
        # The server is still serving.
        good = json.dumps([{"extId": "u", "name": "ShareEvent", "itemId": "1", "channel": "Mail"}]).encode()
        assert exchange(quiet_fake, with_body(good))[0] == 200
    assert_no_traceback(caplog)
