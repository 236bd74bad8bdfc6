"""The send path against the wire's ceiling: events per second into a loopback server that only counts.

    python benchmarks/send.py [--events 50000] [--rounds 5] [--generated DIR]

The server runs in a separate process and does nothing but count the events in each body (occurrences of
``"extId"``) and answer 200, so it is not the bottleneck and does not compete with the client for the
interpreter lock. Every row is measured in the same run, the rows taking turns, best of ``--rounds``, and checked: the server must have
counted every event.

- ceiling: a bare ``httpx.Client.post`` of prebuilt JSON arrays of 1000 events (the events' own ``to_json()``
  bytes joined beforehand);
- ``fire()`` of prebuilt typed events; build the typed events, then ``fire()`` them;
- the floor of building in Python: the same, with subclasses whose constructor only stores the wire dict (no
  check at all), so that build + ``fire()`` can be read against what any class made in Python costs;
- ``fire()`` of events of a subclass whose own ``to_json()`` costs nothing (cached bytes): the path of classes that
  encode themselves, one ``to_json()`` call an event (generated classes are encoded a chunk at a time instead);
- ``BackgroundSender``: ``enqueue()`` every event, then ``flush()``.

Then the caller's cost per event: ``to_json()``, ``enqueue()`` (with no sending competing), and its baselines, a
lock and a deque append with and without the ``to_json()``.
"""

from __future__ import annotations

import argparse
import gc
import platform
import subprocess
import sys
import threading
import time
from collections import deque
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
COST_SAMPLE = 20_000

TARGETS = {"fire": 0.6, "build_fire": 0.4, "enqueue_us": 3.0}


def _with_cached_json(event: Any, data: bytes) -> Any:
    """A copy of `event` whose `to_json()` returns `data` at no cost (the classes have slots: a subclass adds one)."""
    cls = _CACHED.get(type(event))
    if cls is None:

        def to_json(self: Any) -> bytes:
            return self._data  # type: ignore[no-any-return]

        cls = type(type(event).__name__, (type(event),), {"__slots__": ("_data",), "to_json": to_json})
        _CACHED[type(event)] = cls
    made = object.__new__(cls)
    made._wire = event._wire
    made._data = data
    return made


_CACHED: dict[type, type] = {}


# --- the counting server (a child process) ---------------------------------------------------------------------


def serve() -> None:
    """Print the port; answer each "count" line on stdin with the events counted since the previous one."""
    lock = threading.Lock()
    counted = [0]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                counted[0] += body.count(b'"extId"')
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            with lock:
                number, counted[0] = counted[0], 0
            print(number, flush=True)


# --- measuring -------------------------------------------------------------------------------------------------


def best_seconds(function: Callable[[], object], rounds: int, check: Callable[[], None] | None = None) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
        if check is not None:
            check()
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000, help="events per measured row (default 50000)")
    parser.add_argument("--rounds", type=int, default=5, help="repetitions of each row; the best counts")
    parser.add_argument("--generated", type=Path, default=ROOT / "generated", help="folder holding netmera_events")
    options = parser.parse_args(argv)
    count: int = options.events
    rounds: int = options.rounds
    sys.path.insert(0, str(options.generated))

    import httpx
    from netmera_events import BackgroundSender, NetmeraClient, OrderCancelEvent, OverflowPolicy, ShareEvent

    def builder(
        share: type[ShareEvent], order: type[OrderCancelEvent]
    ) -> Callable[[int], ShareEvent | OrderCancelEvent]:
        def build(number: int) -> ShareEvent | OrderCancelEvent:
            ext_id = f"user-{number % USERS}"
            if number % 2:
                return share(ext_id=ext_id, item_id=str(number), channel="Facebook")
            return order(
                ext_id=ext_id, payment_method="Credit Card", sub_total=20.0, item_count=number % 50, grand_total=35.0
            )

        return build

    class UncheckedShare(ShareEvent):
        """A constructor that builds the wire dict and checks nothing: the floor of any class built in Python."""

        __slots__ = ()

        def __init__(self, *, ext_id: str, item_id: str, channel: str) -> None:
            self._wire = {"extId": ext_id, "name": "ShareEvent", "itemId": item_id, "channel": channel}

    class UncheckedOrderCancel(OrderCancelEvent):
        __slots__ = ()

        def __init__(
            self, *, ext_id: str, payment_method: str, sub_total: float, item_count: int, grand_total: float
        ) -> None:
            self._wire = {
                "extId": ext_id,
                "name": "OrderCancelEvent",
                "paymentMethod": payment_method,
                "subTotal": sub_total,
                "itemCount": item_count,
                "grandTotal": grand_total,
            }

    build = builder(ShareEvent, OrderCancelEvent)
    build_unchecked = builder(UncheckedShare, UncheckedOrderCancel)

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdin is not None and server.stdout is not None
    base_url = f"http://127.0.0.1:{int(server.stdout.readline())}"
    url = base_url + PATH

    def expect(events: int) -> Callable[[], None]:
        def check() -> None:
            assert server.stdin is not None and server.stdout is not None
            server.stdin.write("count\n")
            server.stdin.flush()
            arrived = int(server.stdout.readline())
            if arrived != events:
                raise SystemExit(f"the server counted {arrived} events, not {events}")

        return check

    rates: dict[str, float] = {}
    costs: dict[str, float] = {}
    try:
        events = [build(number) for number in range(count)]
        datas = [event.to_json() for event in events]
        bodies = [b"[" + b",".join(datas[start : start + BATCH]) + b"]" for start in range(0, count, BATCH)]
        cached = [_with_cached_json(event, data) for event, data in zip(events, datas)]
        gc.collect()
        gc.freeze()  # the inputs are long-lived: keep collections from rescanning them in every row

        http = httpx.Client()
        http.post(url, content=b"[]", headers=HEADERS)
        client = NetmeraClient(API_KEY, base_url=base_url)
        client.fire(*events[: 2 * BATCH])  # warm up: connect, first-call imports
        expect(2 * BATCH)()

        def bare() -> None:
            for body in bodies:
                http.post(url, content=body, headers=HEADERS)

        def background() -> None:
            with BackgroundSender(client, overflow=OverflowPolicy.BLOCK, block_timeout=60) as sender:
                for event in events:
                    sender.enqueue(event)
                if not sender.flush(timeout=120):
                    raise SystemExit("the background sender did not finish")

        rows: dict[str, Callable[[], object]] = {
            "ceiling: bare httpx.Client.post of prebuilt 1000-event arrays": bare,
            "fire(*events), typed events built beforehand": lambda: client.fire(*events),
            "build typed events, then fire(*events)": lambda: client.fire(*[build(n) for n in range(count)]),
            "floor: build classes checking nothing, then fire(*events)": lambda: client.fire(
                *[build_unchecked(n) for n in range(count)]
            ),
            "fire(*events), own to_json() returning cached bytes": lambda: client.fire(*cached),
            "BackgroundSender: enqueue() each, then flush()": background,
        }
        # Rows take turns in every round, so that the machine's load swings reach each of them alike.
        best = dict.fromkeys(rows, float("inf"))
        for _ in range(rounds):
            for label, function in rows.items():
                best[label] = min(best[label], best_seconds(function, 1, expect(count)))
        rates = {label: count / seconds for label, seconds in best.items()}

        sample = events[: min(COST_SAMPLE, count)]
        cached_sample = cached[: len(sample)]

        def enqueue_seconds(sample: Sequence[Any]) -> float:
            sender = BackgroundSender(
                client, max_queue_size=len(sample) + 1, batch_size=len(sample) + 1, flush_interval=3600
            )
            gc.collect()
            started = time.perf_counter()
            for event in sample:
                sender.enqueue(event)
            seconds = time.perf_counter() - started
            with sender._lock:  # measured without sending: nothing competes with the caller
                sender._queue.clear()
                sender._accepted = 0
            sender.close(timeout=1)
            return seconds

        lock: threading.Lock = threading.Lock()
        queue: deque[Any] = deque()

        def lock_append(with_json: bool) -> Callable[[], None]:
            def run() -> None:
                for event in sample:
                    item = event.to_json() if with_json else event
                    with lock:
                        queue.append(item)
                queue.clear()

            return run

        per_event = {
            "to_json()": lambda: [event.to_json() for event in sample],
            "baseline: to_json() + a lock + a deque append": lock_append(True),
            "baseline: a lock + a deque append": lock_append(False),
        }
        free = "enqueue(), to_json() free (the runtime's own cost)"
        timings: dict[str, list[float]] = {label: [] for label in [*per_event, "enqueue()", free]}
        for _ in range(rounds):
            for label, function in per_event.items():
                timings[label].append(best_seconds(function, 1))
            timings["enqueue()"].append(enqueue_seconds(sample))
            timings[free].append(enqueue_seconds(cached_sample))
        costs = {label: min(seconds) / len(sample) * 1e6 for label, seconds in timings.items()}
        client.close()
        http.close()
    finally:
        server.kill()
        server.wait()

    labels = list(rates)
    ceiling = rates[labels[0]]
    print(
        f"netmera-codegen send benchmark: {count:,} events per row, best of {rounds}; Python "
        f"{platform.python_version()}, httpx {httpx.__version__}; a counting server in a child process on 127.0.0.1"
    )
    print()
    print(f"{'':62} {'events/s':>10} {'x ceiling':>10}")
    for label in labels:
        print(f"{label:62} {rates[label]:>10,.0f} {rates[label] / ceiling:>10.2f}")
    floor = rates[labels[3]]
    print(f"{'build typed events + fire() / the floor':62} {rates[labels[2]] / floor:>21.2f}")
    print()
    print("caller's cost per event")
    for label, microseconds in costs.items():
        print(f"  {label:60} {microseconds:6.2f} us")
    own = costs["enqueue()"] - costs["to_json()"]
    print(f"  {'enqueue() beyond to_json()':60} {own:6.2f} us")
    print()
    print("targets")
    fire, build_fire = rates[labels[1]] / ceiling, rates[labels[2]] / ceiling
    own_enqueue = costs[free]
    checks = [
        (f"fire() >= {TARGETS['fire']}x the ceiling", f"{fire:.2f}x", fire >= TARGETS["fire"]),
        (f"build + fire() >= {TARGETS['build_fire']}x", f"{build_fire:.2f}x", build_fire >= TARGETS["build_fire"]),
        (
            f"enqueue() <= {TARGETS['enqueue_us']} us",
            f"{costs['enqueue()']:.2f} us",
            costs["enqueue()"] <= TARGETS["enqueue_us"],
        ),
        (
            f"enqueue(), to_json() free <= {TARGETS['enqueue_us']} us",
            f"{own_enqueue:.2f} us",
            own_enqueue <= TARGETS["enqueue_us"],
        ),
    ]
    for label, shown, met in checks:
        print(f"  {label:40} {shown:>10}  {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve()
    else:
        sys.exit(main())
