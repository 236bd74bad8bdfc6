"""A process using the outbox, for the crash and sharing tests (run as a script, killed at will).

outbox_child.py enqueue PATH URL START        enqueue events numbered from START, printing each number once
                                              enqueue() has returned, until killed; the worker sends meanwhile
outbox_child.py share PATH URL START COUNT    enqueue COUNT events, deliver, print the stats as JSON, exit
outbox_child.py send PATH URL                 only deliver, until killed
"""

from __future__ import annotations

import json
import sys
import time

from netmera_events import NetmeraClient, OutboxSender, RetryPolicy, ShareEvent

API_KEY = "test-key-0123456789abcdef"
RETRY = RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.05, total_timeout=10.0)


def share(number: int) -> ShareEvent:
    return ShareEvent(ext_id=f"user-{number % 97}", item_id=str(number), channel="Facebook")


def main(command: str, path: str, url: str, *rest: str) -> int:
    client = NetmeraClient(API_KEY, base_url=url, retry=RETRY, timeout=10.0)
    sender = OutboxSender(client, path, batch_size=50, flush_interval=0.02, poll_interval=0.05)
    if command == "enqueue":
        number = int(rest[0])
        while True:
            if sender.enqueue(share(number)):
                print(number, flush=True)
            number += 1
    if command == "share":
        start, count = int(rest[0]), int(rest[1])
        for number in range(start, start + count):
            assert sender.enqueue(share(number))
        delivered = sender.flush(timeout=60)
        stats = sender.stats
        sender.close(timeout=5)
        print(json.dumps({"delivered": delivered, "sent": stats.sent, "taken_over": stats.taken_over}), flush=True)
        return 0
    while True:  # send
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
