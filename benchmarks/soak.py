"""Soak test: push many events through the BackgroundSender while the server fails, and count what arrived.

FakeNetmera, on 127.0.0.1, fails one request in seven with a 500, drops connections before and after recording
their events, and answers some requests later than the client waits. The sender runs with a bounded queue that
blocks producers when full. At the end it prints how many events were delivered, delivered more than once (only
a retried request may do that, and the sender counts those), and lost; the target for lost is 0.

    python benchmarks/soak.py                  # 1,000,000 events
    python benchmarks/soak.py --count 100000   # a quicker run

Run from the repository root, with the generated package importable (`pip install ./generated`, or PYTHONPATH).
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated"))

from netmera_events import BackgroundSender, NetmeraClient, OrderCancelEvent, OverflowPolicy, RetryPolicy, ShareEvent
from netmera_events.testing import FakeNetmera, Fault

API_KEY = "soak-test-key"
TIMEOUT = 0.5
"""Seconds the client waits for an answer; the slow faults answer after twice that."""
RETRY = RetryPolicy(max_attempts=20, initial_delay=0.005, max_delay=0.2, total_timeout=120.0)


def fault(number: int) -> Fault | int | None:
    """The fault for the server's `number`-th request (1-based), or None to answer normally."""
    if number % 7 == 0:
        return 500
    if number % 11 == 0:
        return Fault.drop()
    if number % 13 == 0:
        return Fault.drop(after_processing=True)
    if number % 29 == 0:
        return Fault.delay(TIMEOUT * 2)
    return None


def event(number: int, users: int) -> ShareEvent | OrderCancelEvent:
    """The `number`-th event; its item id or item count carries the number, so arrivals can be counted."""
    ext_id = f"user-{number % users}"
    if number % 2:
        return ShareEvent(ext_id=ext_id, item_id=str(number), channel="Facebook")
    return OrderCancelEvent(ext_id=ext_id, payment_method="Card", sub_total=1.5, item_count=number, grand_total=2.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="events to send")
    parser.add_argument("--users", type=int, default=50_000, help="distinct extIds")
    args = parser.parse_args()

    started = time.perf_counter()
    with FakeNetmera(API_KEY, check_schemas=False, fault_hook=fault) as fake:
        with (
            NetmeraClient(API_KEY, base_url=fake.url, retry=RETRY, timeout=TIMEOUT) as client,
            BackgroundSender(
                client, max_queue_size=20_000, batch_size=1000, overflow=OverflowPolicy.BLOCK, block_timeout=120
            ) as sender,
        ):
            refused = sum(not sender.enqueue(event(number, args.users)) for number in range(args.count))
            flushed = sender.flush(timeout=600)
            stats = sender.stats
        elapsed = time.perf_counter() - started
        fake.wait_for_events(args.count, timeout=10)  # answers slower than the timeout may still be landing
        arrivals = collections.Counter(
            int(item["itemId"]) if item["name"] == "ShareEvent" else int(item["itemCount"]) for item in fake.events
        )
        requests = len(fake.requests)

    delivered = sum(1 for number in range(args.count) if arrivals[number])
    duplicated = sum(arrivals.values()) - delivered
    lost = args.count - delivered
    print(f"soak: {args.count:,} events over {args.users:,} users through BackgroundSender, {elapsed:.1f} s")
    print(f"  server requests {requests:,} (one in 7 answered 500, others dropped or answered past the timeout)")
    print(f"  delivered {delivered:,}   duplicated {duplicated:,}   lost {lost:,}")
    print(
        f"  sender counted: sent {stats.sent:,}, retried {stats.retried:,}, dropped {stats.dropped:,}, "
        f"failed {stats.failed:,}; refused at enqueue {refused:,}; flush finished: {flushed}"
    )
    print(f"  duplicates within the retried count: {duplicated <= stats.retried}; target lost = 0: {lost == 0}")
    return 0 if lost == 0 and duplicated <= stats.retried else 1


if __name__ == "__main__":
    raise SystemExit(main())
