"""Events per second when sending to a loopback server: hand-written httpx baselines against the generated client.

    python benchmarks/send.py [--events 100000] [--generated DIR] [--server fake|sink]

Rows, all measured in one run against the same server:

- ``httpx.post()`` per event: a fresh connection per request (reference only, sampled for a few seconds);
- one event per request on a kept-alive ``httpx.Client``: what a careful user writes by hand (sampled);
- bare ``httpx.Client.post`` of pre-serialised 1000-event arrays: the ceiling of this stack;
- ``NetmeraClient.fire(*events)`` with typed events built beforehand;
- ``BackgroundSender``: ``enqueue()`` every event, then ``flush()``.

Then the client's own cost per event on the caller's thread: building a typed event (which validates it),
serialising it, and enqueueing it.

The server runs in a separate process, so its work does not compete with the client for the interpreter lock.
By default it is the package's FakeNetmera, which does what Netmera does with a request (checks the key, parses
the body, validates every event against the schemas, records it); ``--server sink`` swaps in a server that only
parses and counts, the harshest ceiling. Every row checks that all of its events arrived. The inputs are built
before timing and frozen out of the garbage collector's view.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PATH = "/rest/3.0/fireEvents"
API_KEY = "benchmark-key"
HEADERS = {"X-netmera-api-key": API_KEY, "Content-Type": "application/json"}
USERS = 10_000  # consecutive events have distinct extIds, so full requests hold 1000 events
BATCH = 1000
SAMPLE_SECONDS = 3.0  # for the per-event baselines, which would take minutes for every event
FRESH_SAMPLE_SECONDS = 2.0
COST_SAMPLE = 20_000  # events for the per-event cost measurements

# --- the loopback server (run in a child process) ------------------------------------------------------------
#
# The child prints its port, then answers "count" lines on stdin with the number of events accepted since the
# previous count (forgetting them, so that memory stays flat across rows).


def serve(kind: str) -> None:
    take: Callable[[], int]
    if kind == "fake":
        from netmera_events.testing import FakeNetmera

        fake = FakeNetmera(API_KEY).start()
        port = fake.port

        def take() -> int:
            count = len(fake.events)
            fake.reset()
            return count

    else:
        server, received = make_sink()
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]

        def take() -> int:
            count, received[0] = received[0], 0
            return count

    print(port, flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            print(take(), flush=True)


def make_sink() -> tuple[ThreadingHTTPServer, list[int]]:
    """The least a server can do: parse each body as JSON, count its events, answer 200 with an empty body."""
    lock = threading.Lock()
    received = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            events = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                received[0] += len(events)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server, received


# --- measuring -------------------------------------------------------------------------------------------------


class Row:
    def __init__(self, label: str, events: int, seconds: float) -> None:
        self.label, self.events, self.seconds = label, events, seconds

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def timed(function: Callable[[], int]) -> tuple[int, float]:
    """Run ``function`` (which returns how many events it sent) and time it."""
    gc.collect()
    started = time.perf_counter()
    events = function()
    return events, time.perf_counter() - started


def per_event_us(function: Callable[[], object], count: int) -> float:
    gc.collect()
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best / count * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="events per measured row (default 100000)")
    parser.add_argument("--generated", type=Path, default=ROOT / "generated", help="folder holding netmera_events")
    parser.add_argument(
        "--server",
        choices=["fake", "sink"],
        default="fake",
        help="fake: FakeNetmera, which checks the key and validates every event like Netmera (default); "
        "sink: a server that only parses and counts",
    )
    options = parser.parse_args(argv)
    count: int = options.events
    sys.path.insert(0, str(options.generated))

    import httpx
    from netmera_events import BackgroundSender, NetmeraClient, OrderCancelEvent, OverflowPolicy, ShareEvent
    from netmera_events._encoding import encode_event

    def build(number: int) -> ShareEvent | OrderCancelEvent:
        ext_id = f"user-{number % USERS}"
        if number % 2:
            return ShareEvent(ext_id=ext_id, item_id=str(number), channel="Facebook")
        return OrderCancelEvent(
            ext_id=ext_id, payment_method="Credit Card", sub_total=20.0, item_count=number % 50, grand_total=35.0
        )

    command = [sys.executable, __file__, "--serve", options.server, "--generated", str(options.generated)]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdin is not None and server.stdout is not None
    base_url = f"http://127.0.0.1:{int(server.stdout.readline())}"
    url = base_url + PATH

    def received() -> int:
        """Events the server accepted since the last call."""
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write("count\n")
        server.stdin.flush()
        return int(server.stdout.readline())

    try:
        events = [build(number) for number in range(count)]
        payloads = [event.to_payload() for event in events]
        bodies = [
            json.dumps(payloads[start : start + BATCH], separators=(",", ":")).encode()
            for start in range(0, count, BATCH)
        ]
        gc.collect()
        gc.freeze()  # the inputs are long-lived: keep collections from rescanning them in every row
        rows: list[Row] = []

        def checked(label: str, function: Callable[[], int]) -> None:
            received()
            sent, seconds = timed(function)
            arrived = received()
            if arrived < sent:
                raise SystemExit(f"{label}: only {arrived} of {sent} events arrived")
            rows.append(Row(label, sent, seconds))

        def fresh_per_event() -> int:
            deadline = time.perf_counter() + FRESH_SAMPLE_SECONDS
            sent = 0
            while time.perf_counter() < deadline and sent < count:
                httpx.post(url, content=json.dumps([payloads[sent]]), headers=HEADERS)
                sent += 1
            return sent

        def kept_alive_per_event() -> int:
            with httpx.Client() as client:
                client.post(url, content=b"[]", headers=HEADERS)  # connect outside the timing
                deadline = time.perf_counter() + SAMPLE_SECONDS
                sent = 0
                while time.perf_counter() < deadline and sent < count:
                    client.post(url, content=json.dumps([events[sent].to_payload()]), headers=HEADERS)
                    sent += 1
                return sent

        http = httpx.Client()
        http.post(url, content=b"[]", headers=HEADERS)

        def bare_batched() -> int:
            for body in bodies:
                http.post(url, content=body, headers=HEADERS)
            return count

        client = NetmeraClient(API_KEY, base_url=base_url)
        client.fire(*events[: 2 * BATCH])  # warm up: connect, first-call imports

        def fire() -> int:
            return client.fire(*events).sent

        def background() -> int:
            with BackgroundSender(client, overflow=OverflowPolicy.BLOCK, block_timeout=60) as sender:
                for event in events:
                    sender.enqueue(event)
                if not sender.flush(timeout=120):
                    raise SystemExit("the background sender did not finish")
                return sender.stats.sent

        checked("httpx.post() per event (fresh connection)", fresh_per_event)
        checked("one event per request, kept-alive httpx.Client", kept_alive_per_event)
        checked("bare httpx.Client.post, pre-serialised 1000-event arrays", bare_batched)
        checked("NetmeraClient.fire(*events), typed events", fire)
        checked("BackgroundSender: enqueue() each, then flush()", background)

        # The client's own work per event on the caller's thread.
        sample = min(COST_SAMPLE, count)
        cost_build = per_event_us(lambda: [build(number) for number in range(sample)], sample)
        cost_serialise = per_event_us(lambda: [encode_event(event, 0, 1 << 20) for event in events[:sample]], sample)
        idle = BackgroundSender(client, max_queue_size=sample * 4, batch_size=sample * 4, flush_interval=3600)
        cost_enqueue = per_event_us(lambda: [idle.enqueue(event) for event in events[:sample]], sample)
        idle.close(timeout=60)
        client.close()
        http.close()
    finally:
        server.kill()
        server.wait()

    one, bare, fired, queued = rows[1], rows[2], rows[3], rows[4]
    server_kind = "FakeNetmera (checks key, JSON and schemas)" if options.server == "fake" else "JSON sink"
    print(
        f"netmera-codegen send benchmark: {count:,} events per row; Python {platform.python_version()}, "
        f"httpx {httpx.__version__}; server: {server_kind}, in a child process on 127.0.0.1"
    )
    print()
    print(f"{'':58} {'events':>8} {'seconds':>8} {'events/s':>10} {'x one/req':>10} {'x bare':>7}")
    for row in rows:
        print(
            f"{row.label:58} {row.events:>8,} {row.seconds:>8.2f} {row.rate:>10,.0f} "
            f"{row.rate / one.rate:>10.1f} {row.rate / bare.rate:>7.2f}"
        )
    total = cost_build + cost_enqueue
    print()
    print("client's own cost per event, on the caller's thread")
    print(f"  build a typed event (constructor, validates)   {cost_build:6.2f} us")
    print(f"  serialise (to_json, checked)                   {cost_serialise:6.2f} us")
    print(f"  enqueue (serialise + queue)                    {cost_enqueue:6.2f} us")
    print(f"  total: build + enqueue                         {total:6.2f} us")
    print()
    print("targets")
    checks = [
        ("fire() >= 100x one event per request", fired.rate / one.rate, 100.0, "x"),
        ("fire() >= 0.5x bare batched ceiling", fired.rate / bare.rate, 0.5, "x"),
        ("own cost < 10 us per event", 10.0 / total, 1.0, ""),
    ]
    for label, value, goal, unit in checks:
        shown = f"{value:.2f}{unit}" if unit else f"{total:.2f} us"
        print(f"  {label:40} {shown:>10}  {'met' if value >= goal else 'MISSED'}")
    print(f"  (background sender: {queued.rate / one.rate:.0f}x one per request, {queued.rate / bare.rate:.2f}x bare)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        sys.path.insert(0, sys.argv[4])
        serve(sys.argv[2])
    else:
        sys.exit(main())
