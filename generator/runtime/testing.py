"""A fake Netmera for tests and local development.

:class:`FakeNetmera` is a real HTTP server on 127.0.0.1 (a free port unless one is given) that
implements fireEvents the way Netmera does, as far as Netmera documents it: the API key check (403,
code 2010), the body checks (400, code 2009 for anything but a JSON array of objects), the schema
checks against this package's events (2020 for a missing extId, name or required attribute; 5028 for
an unknown event; 2004 for an attribute of the wrong type), and 200 with an empty body for a good
request, which is then recorded. It can be scripted to fail: given statuses, answers slower than a
client's timeout, dropped connections.

Run it for local development with ``python -m <package>.testing [--port N] [--api-key KEY]``: it
prints its URL and serves until interrupted. Point a client at it with ``base_url=<that URL>``.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, Literal

from ._constants import API_KEY_HEADER, FIRE_EVENTS_PATH, JSON_CONTENT_TYPE, MAX_EXT_IDS_PER_REQUEST
from ._fake_answers import (
    EVENT_NOT_FOUND,
    INTERNAL_ERROR,
    INVALID_API_KEY,
    INVALID_JSON,
    MISSING_PARAMETER,
    Answer,
    netmera_error,
    problem,
    schema_error,
)
from ._results import summarize_names
from ._validate import validate

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["DEFAULT_FAKE_API_KEY", "FakeNetmera", "Fault", "RecordedRequest", "main"]

_log = logging.getLogger(__name__)

#: The key a FakeNetmera accepts unless told otherwise.
DEFAULT_FAKE_API_KEY = "fake-netmera-api-key"

#: Bytes of request body read at most when no ``max_body_bytes`` is given: beyond it, 413.
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
#: Characters of a Content-Length or chunk-size line read at most.
_MAX_LENGTH_DIGITS = 18

#: Seconds an idle kept-alive connection is held open by the server.
_IDLE_CONNECTION_TIMEOUT = 60.0
#: How often the accept loop checks for shutdown; small so that stop() returns quickly.
_POLL_INTERVAL = 0.05


@dataclass(frozen=True)
class Fault:
    """One scripted reaction to a request. Build with :meth:`respond`, :meth:`delay` or
    :meth:`drop`."""

    kind: Literal["respond", "delay", "drop"]
    status_code: int = 0
    body: bytes = b""
    content_type: str = JSON_CONTENT_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    after_processing: bool = False

    @classmethod
    def respond(
        cls,
        status_code: int,
        *,
        code: int | None = None,
        message: str | None = None,
        body: bytes | str | None = None,
        content_type: str = JSON_CONTENT_TYPE,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Answer with ``status_code`` without processing the request. The body defaults to
        Netmera's ``{"code": ..., "error": ...}`` (code 2001 for a 5xx); pass ``body`` for anything
        else."""
        if body is None:
            try:
                reason = HTTPStatus(status_code).phrase
            except ValueError:
                reason = "Error"
            if code is None and status_code >= 500:
                code = INTERNAL_ERROR
            document: dict[str, Any] = {"code": code, "error": message or reason}
            body = json.dumps(document)
        data = body.encode() if isinstance(body, str) else body
        return cls("respond", status_code, data, content_type, tuple((headers or {}).items()))

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Process the request normally (recording its events) but answer only after ``seconds``:
        past a client's timeout this is the case where a retry duplicates events."""
        return cls("delay", seconds=seconds)

    @classmethod
    def drop(cls, *, after_processing: bool = False) -> Fault:
        """Close the connection without answering, before processing the request (nothing recorded)
        or, with ``after_processing``, after recording its events."""
        return cls("drop", after_processing=after_processing)


FaultLike = Fault | int
FaultHook = Callable[[int], Fault | int | None]


@dataclass(frozen=True)
class RecordedRequest:
    """A request the fake received, whatever the answer. ``headers`` keep the names as sent; use
    :meth:`header` to look one up case-insensitively. ``status_code`` is ``None`` for a dropped
    connection.
    """

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    status_code: int | None
    accepted: int = 0

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def json(self) -> Any:
        return json.loads(self.body)


class FakeNetmera:
    """A fireEvents server on 127.0.0.1 for tests; see the module docstring.

    Use as a context manager (``with FakeNetmera() as fake: ...``) or call :meth:`start` and
    :meth:`stop`. ``url`` is the base URL to give a client. ``events`` lists every accepted event in
    arrival order, ``requests`` every request. ``script(500, 500)`` makes the next two requests
    fail; ``fault_hook`` (given the 1-based request number) can fail requests by any rule, e.g.
    every seventh. ``unknown_events`` names events to refuse with 5028 as if they had been deleted
    from the panel.
    """

    def __init__(
        self,
        api_key: str = DEFAULT_FAKE_API_KEY,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        check_schemas: bool = True,
        max_ext_ids: int = MAX_EXT_IDS_PER_REQUEST,
        max_body_bytes: int | None = None,
        unknown_events: Iterable[str] = (),
        fault_hook: FaultHook | None = None,
        log_requests: bool = False,
    ) -> None:
        self.api_key = api_key
        self.check_schemas = check_schemas
        #: Event names answered as not defined in the panel (5028) although the package knows them:
        #: a panel that drifted from the schemas, e.g. an event deleted there.
        self.unknown_events = set(unknown_events)
        self.max_ext_ids = max_ext_ids
        self.max_body_bytes = max_body_bytes
        self.fault_hook = fault_hook
        self.log_requests = log_requests
        self._address = (host, port)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._script: list[Fault] = []
        self._events: list[dict[str, Any]] = []
        self._requests: list[RecordedRequest] = []
        self._count = 0
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(self._address, _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name="fake-netmera",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every connection (answers still being delayed are cut short)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fake is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL to give a client (no path)."""
        return f"http://{self._address[0]}:{self.port}"

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"FakeNetmera({where})"

    # --- scripting and inspection -----------------------------------------------------------------

    def script(self, *faults: FaultLike) -> None:
        """Queue reactions for the next requests, one each; an int is a status
        (``Fault.respond(n)``)."""
        with self._lock:
            self._script += [_as_fault(fault) for fault in faults]

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every accepted event, in arrival order (a copy)."""
        with self._lock:
            return list(self._events)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget recorded events, requests and scripted faults."""
        with self._lock:
            self._events.clear()
            self._requests.clear()
            self._script.clear()
            self._count = 0

    def wait_for_events(self, count: int, timeout: float) -> bool:
        """Wait until at least ``count`` events were accepted; ``False`` on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: len(self._events) >= count, timeout)

    # --- request handling (called on the server's threads) ----------------------------------------

    def _next_fault(self) -> Fault | None:
        with self._lock:
            self._count += 1
            number = self._count
            if self._script:
                return self._script.pop(0)
        hook = self.fault_hook
        reaction = hook(number) if hook is not None else None
        return None if reaction is None else _as_fault(reaction)

    def _record(self, request: RecordedRequest, events: Sequence[dict[str, Any]]) -> None:
        with self._lock:
            self._requests.append(request)
            self._events += events
            self._arrived.notify_all()
        if self.log_requests:
            names = summarize_names(str(event.get("name")) for event in events)
            status = request.status_code if request.status_code is not None else "dropped"
            print(
                f"{request.method} {request.path} -> {status}" + (f" ({names})" if names else ""),
                file=sys.stderr,
            )

    def _answer(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Answer:
        """What Netmera would answer, in the order it checks: route, key, content type, size, JSON,
        schemas."""
        if path.split("?", 1)[0] != FIRE_EVENTS_PATH:
            return problem(404, "Not Found", f"no endpoint at {path}")
        if method != "POST":
            return problem(405, "Method Not Allowed", "fireEvents takes POST")
        if headers.get(API_KEY_HEADER.lower()) != self.api_key:
            return netmera_error(403, INVALID_API_KEY, "Invalid API key")
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != JSON_CONTENT_TYPE:
            return problem(
                415,
                "Unsupported Media Type",
                f"Content-Type {media_type or 'missing'} is not supported",
            )
        if self.max_body_bytes is not None and len(body) > self.max_body_bytes:
            return Answer(413, b"Request Entity Too Large", "text/plain")
        try:
            items = json.loads(body, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            return netmera_error(400, INVALID_JSON, "Invalid JSON")
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            return netmera_error(
                400, INVALID_JSON, "Invalid JSON: expected an array of event objects"
            )
        # A non-string extId is a schema error reported below; here each counts as a user of its own.
        ext_ids = {
            ext_id if isinstance(ext_id, str) else index
            for index, ext_id in enumerate(item.get("extId") for item in items)
        }
        if len(ext_ids) > self.max_ext_ids:
            return problem(
                400, "Bad Request", f"at most {self.max_ext_ids} distinct extIds per request"
            )
        for item in items:
            name = item.get("name")
            if not isinstance(name, str):
                return netmera_error(400, MISSING_PARAMETER, "Missing required parameter: name")
            if name in self.unknown_events:
                return netmera_error(400, EVENT_NOT_FOUND, f"Event not found: {name}")
        if self.check_schemas and items:
            try:
                violations = validate(items)
            except RecursionError:
                return netmera_error(400, INVALID_JSON, "Invalid JSON: nested too deeply")
            if violations:
                return schema_error(violations)
        return Answer(200, events=items)


class _TooLarge(Exception):
    """A request body over the size the fake accepts."""


def _parse_length(text: str, base: int) -> int:
    """A Content-Length (``base`` 10) or chunk size (16): digits only, a bounded number of them."""
    text = text.strip()
    digits = "0123456789abcdefABCDEF" if base == 16 else "0123456789"
    if not text or len(text) > _MAX_LENGTH_DIGITS or any(char not in digits for char in text):
        kind = "chunk size" if base == 16 else "Content-Length"
        raise ValueError(f"unusable {kind} {text[:40]!r}")
    return int(text, base)


def _as_fault(fault: FaultLike) -> Fault:
    return fault if isinstance(fault, Fault) else Fault.respond(fault)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that tracks its connections, so that stopping it closes them."""

    daemon_threads = True
    block_on_close = False
    fake: FakeNetmera

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        with self._connections_lock:
            self._connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            # The client went away, typically after giving up on a delayed answer: expected here.
            _log.debug("connection from %s ended early: %r", client_address, error)
            return
        _log.exception("FakeNetmera: unexpected error while serving %s", client_address)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients with a connection pool expect
    timeout = _IDLE_CONNECTION_TIMEOUT
    # An answer goes out as two writes (headers, then body): with Nagle's algorithm the body waits for
    # the client's delayed ACK of the headers, about 40 ms per request on a kept-alive connection.
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake = self.server.fake
        body = self._read_body()
        if body is None:
            return

        def record(status_code: int | None, events: Sequence[dict[str, Any]] = ()) -> None:
            request = RecordedRequest(
                self.command,
                self.path,
                tuple(self.headers.items()),
                body,
                status_code,
                accepted=len(events),
            )
            fake._record(request, events)

        fault = fake._next_fault()
        if fault is not None and fault.kind == "respond":
            record(fault.status_code)
            self._send(Answer(fault.status_code, fault.body, fault.content_type, fault.headers))
            return
        if fault is not None and fault.kind == "drop" and not fault.after_processing:
            record(None)
            self.close_connection = True
            return
        if fault is not None and fault.kind == "delay" and fake._stopping.wait(fault.seconds):
            self.close_connection = True  # stopping: give up on this answer
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            answer = fake._answer(self.command, self.path, headers, body)
        except Exception:  # noqa: BLE001 - like a real server: a bug is a 500, not a dropped line
            _log.exception("FakeNetmera failed to handle a request")
            answer = netmera_error(500, INTERNAL_ERROR, "Internal error")
        if fault is not None and fault.kind == "drop":
            record(None, answer.events)
            self.close_connection = True
            return
        record(answer.status_code, answer.events)
        self._send(answer)

    def _read_body(self) -> bytes | None:
        """The request body, or ``None`` after answering a body that cannot be read (an unusable
        Content-Length or chunk size: 400; too large: 413) and closing the connection, as a server
        must when it cannot tell where the next request starts."""
        limit = self.server.fake.max_body_bytes or DEFAULT_MAX_BODY_BYTES
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                return self._read_chunked(limit)
            length = self.headers.get("Content-Length")
            if length is None:
                if self.command in ("GET", "HEAD"):
                    return b""
                self._refuse(problem(411, "Length Required", "send Content-Length or chunks"))
                return None
            size = _parse_length(length, 10)
            if size > limit:
                raise _TooLarge()
            return self.rfile.read(size)
        except _TooLarge:
            self._refuse(Answer(413, b"Request Entity Too Large", "text/plain"))
        except ValueError as error:
            self._refuse(netmera_error(400, INVALID_JSON, f"Invalid request: {error}"))
        return None

    def _read_chunked(self, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(_MAX_LENGTH_DIGITS + 256)
            size = _parse_length(line.split(b";", 1)[0].decode("latin-1"), 16)
            if size == 0:
                for _ in range(100):  # trailers, up to a blank line
                    if self.rfile.readline(65537) in (b"\r\n", b"\n", b""):
                        break
                return b"".join(chunks)
            total += size
            if total > limit:
                raise _TooLarge()
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise ValueError("the body ended inside a chunk")
            chunks.append(chunk)
            self.rfile.readline(3)

    def _refuse(self, answer: Answer) -> None:
        record = RecordedRequest(
            self.command, self.path, tuple(self.headers.items()), b"", answer.status_code
        )
        self.server.fake._record(record, ())
        self.close_connection = True
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status_code)
        if answer.content_type is not None and answer.body:
            self.send_header("Content-Type", answer.content_type)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line and status go to this module's logger at debug level, not to stderr.
        _log.debug("%s " + format, self.address_string(), *args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a FakeNetmera until interrupted, printing its URL on the first line of output."""
    module = __spec__.name if __spec__ is not None else "testing"
    parser = argparse.ArgumentParser(
        prog=f"python -m {module}", description="Serve a fake Netmera fireEvents API."
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on (default: a free one)"
    )
    parser.add_argument("--api-key", default=DEFAULT_FAKE_API_KEY, help="the API key to accept")
    parser.add_argument(
        "--no-schema-check", action="store_true", help="accept any event name and attributes"
    )
    options = parser.parse_args(argv)

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if (
        threading.current_thread() is threading.main_thread()
    ):  # signal handlers can only be set there
        signal.signal(signal.SIGTERM, on_signal)
    with FakeNetmera(
        options.api_key,
        port=options.port,
        check_schemas=not options.no_schema_check,
        log_requests=True,
    ) as fake:
        print(fake.url, flush=True)
        print(
            f"fake Netmera serving {FIRE_EVENTS_PATH}, accepting API key {options.api_key!r}; "
            "Ctrl-C stops it",
            file=sys.stderr,
            flush=True,
        )
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
