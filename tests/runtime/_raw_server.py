"""A misbehaving HTTP server on 127.0.0.1: each connection's request is read whole, then handed with the socket to
a function that answers however it likes (byte by byte, echoing the request, never).

FakeNetmera answers like Netmera; this one answers like a broken proxy, to test what a client does then.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Self

Answer = Callable[[socket.socket, bytes], None]


def read_request(connection: socket.socket) -> bytes:
    """The request's head and its Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def drip(text: bytes, interval: float, prefix: bytes = b"") -> Answer:
    """Send ``prefix`` at once, then ``text`` one byte every ``interval`` seconds (then hold the connection open)."""

    def answer(connection: socket.socket, request: bytes) -> None:
        connection.sendall(prefix)
        for byte in text:
            connection.sendall(bytes([byte]))
            time.sleep(interval)
        time.sleep(30)

    return answer


def echo(status: int, prefix: bytes = b"") -> Answer:
    """Answer ``status`` with the whole request (headers included) as the body, as some proxies do."""

    def answer(connection: socket.socket, request: bytes) -> None:
        body = prefix + request
        head = f"HTTP/1.1 {status} Echo\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n\r\n"
        connection.sendall(head.encode() + body)

    return answer


def raw(data: Callable[[bytes], bytes]) -> Answer:
    """Send ``data(request)`` as is (it may not even be HTTP), then close."""

    def answer(connection: socket.socket, request: bytes) -> None:
        connection.sendall(data(request))

    return answer


class RawServer:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            try:
                request = read_request(connection)
                self.requests += 1
                self.answer(connection, request)
            except OSError:
                pass  # the client gave up: what these tests expect it to do

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        self._listener.close()
        self._thread.join()
