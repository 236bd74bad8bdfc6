"""The durable outbox against the in-memory BackgroundSender, measured in one run against the same server.

    python benchmarks/outbox.py [--events 50000] [--threads 16] [--tasks 256] [--backlog N] [--generated DIR]

Rows:

- ``BackgroundSender``: ``enqueue()`` every event from one thread, then ``flush()`` (the baseline);
- ``OutboxSender.enqueue()`` from one thread: every call waits for its own commit;
- ``OutboxSender.enqueue()`` from ``--threads`` threads: concurrent callers share commits (group commit);
- ``OutboxSender.enqueue_async()`` from ``--tasks`` tasks on one event loop, so one thread: they share commits too;
- ``OutboxSender.enqueue_many()`` in chunks of 100 from one thread;
- end to end: the outbox with its worker, fed by the threads (then by the tasks, then by ``enqueue_many()``), until
  ``flush()`` says everything was delivered;
- end to end, delivered elsewhere: the tasks enqueue with ``deliver=False`` and ``python -m netmera_events.outbox
  deliver``, started beforehand in a process of its own, sends; until the server has counted every event;
- drain: a second process's leftovers (a pre-filled outbox of ``--backlog`` events, default ``--events``) delivered
  by a fresh sender.

The server is benchmarks/send.py's sink in a separate process: it parses each body and counts the events, so the
rows measure the senders. Every row checks that all of its events arrived. Files live in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEND_BENCHMARK = Path(__file__).with_name("send.py")
API_KEY = "benchmark-key"
USERS = 10_000
CHUNK = 100
ENQUEUE_GOAL = 50_000.0  # events per second
DELIVERY_GOAL = 0.5  # x the in-memory sender, end to end
DELIVERER_WAIT = 0.01  # seconds: the deliverer's flush and poll intervals


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000, help="events per row (default 50000)")
    parser.add_argument("--threads", type=int, default=16, help="concurrent callers for group commit (default 16)")
    parser.add_argument("--tasks", type=int, default=256, help="concurrent asyncio tasks (default 256)")
    parser.add_argument("--backlog", type=int, help="events a previous process left, for the drain row (default --events)")
    parser.add_argument("--generated", type=Path, default=ROOT / "generated", help="folder holding netmera_events")
    options = parser.parse_args(argv)
    count: int = options.events
    sys.path.insert(0, str(options.generated))

    from netmera_events import BackgroundSender, NetmeraClient, OutboxSender, OverflowPolicy, ShareEvent

    command = [sys.executable, str(SEND_BENCHMARK), "--serve", "sink", "--generated", str(options.generated)]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdin is not None and server.stdout is not None
    base_url = f"http://127.0.0.1:{int(server.stdout.readline())}"

    def received() -> int:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write("count\n")
        server.stdin.flush()
        return int(server.stdout.readline())

    folder = Path(tempfile.mkdtemp(prefix="outbox-benchmark-"))
    files = iter(range(1_000))

    def fresh_path() -> Path:
        return folder / f"outbox-{next(files)}.sqlite3"

    rows: list[tuple[str, float]] = []
    try:
        events = [ShareEvent(ext_id=f"user-{n % USERS}", item_id=str(n), channel="Facebook") for n in range(count)]
        gc.collect()
        gc.freeze()
        client = NetmeraClient(API_KEY, base_url=base_url)
        client.fire(*events[:1000])  # warm up: connect, first-call imports
        received()

        def row(label: str, function: Callable[[], int], expect_delivered: bool) -> float:
            received()
            gc.collect()
            started = time.perf_counter()
            done = function()
            seconds = time.perf_counter() - started
            if expect_delivered and received() < done:
                raise SystemExit(f"{label}: not every event arrived")
            rate = done / seconds
            rows.append((label, rate))
            return rate

        def in_threads(enqueue: Callable[[object], bool]) -> None:
            def produce(part: list[ShareEvent]) -> None:
                for event in part:
                    if not enqueue(event):
                        raise SystemExit("an event was dropped")

            threads = [
                threading.Thread(target=produce, args=(events[n :: options.threads],)) for n in range(options.threads)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

        def in_tasks(sender: OutboxSender) -> None:
            async def produce(part: list[ShareEvent]) -> None:
                for event in part:
                    if not await sender.enqueue_async(event):
                        raise SystemExit("an event was dropped")

            async def run() -> None:
                await asyncio.gather(*(produce(events[n :: options.tasks]) for n in range(options.tasks)))

            asyncio.run(run())

        def memory_end_to_end() -> int:
            with BackgroundSender(client, overflow=OverflowPolicy.BLOCK, block_timeout=60) as sender:
                for event in events:
                    sender.enqueue(event)
                if not sender.flush(timeout=300):
                    raise SystemExit("the background sender did not finish")
            return count

        def outbox_single() -> int:
            with OutboxSender(client, fresh_path(), deliver=False) as sender:
                for event in events:
                    sender.enqueue(event)
            return count

        def outbox_threads() -> int:
            with OutboxSender(client, fresh_path(), deliver=False) as sender:
                in_threads(sender.enqueue)
            return count

        def outbox_tasks() -> int:
            with OutboxSender(client, fresh_path(), deliver=False) as sender:
                in_tasks(sender)
            return count

        def outbox_many() -> int:
            with OutboxSender(client, fresh_path(), deliver=False) as sender:
                for start in range(0, count, CHUNK):
                    sender.enqueue_many(events[start : start + CHUNK])
            return count

        def outbox_end_to_end() -> int:
            with OutboxSender(client, fresh_path()) as sender:
                in_threads(sender.enqueue)
                if not sender.flush(timeout=300):
                    raise SystemExit("the outbox did not finish")
            return count

        def outbox_end_to_end_many() -> int:
            with OutboxSender(client, fresh_path()) as sender:
                for start in range(0, count, CHUNK):
                    sender.enqueue_many(events[start : start + CHUNK])
                if not sender.flush(timeout=300):
                    raise SystemExit("the outbox did not finish")
            return count

        shared = fresh_path()

        def start_deliverer() -> subprocess.Popen[bytes]:
            """`python -m netmera_events.outbox deliver` on ``shared``, once it has started."""
            OutboxSender(client, shared, deliver=False).close()  # the file, for it to open
            log = folder / "deliverer.log"
            process = subprocess.Popen(
                [sys.executable, "-m", "netmera_events.outbox", "deliver", str(shared), "--base-url", base_url]
                + ["--flush-interval", str(DELIVERER_WAIT), "--poll-interval", str(DELIVERER_WAIT)],
                env=dict(os.environ, PYTHONPATH=str(options.generated), NETMERA_API_KEY=API_KEY),
                stdout=subprocess.DEVNULL,
                stderr=log.open("wb"),
            )
            deadline = time.monotonic() + 60
            while b"delivering from" not in log.read_bytes():  # its imports done, its sender open
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the deliverer did not start: {log.read_text()}")
                time.sleep(0.01)
            return process

        def outbox_end_to_end_tasks_elsewhere() -> int:
            with OutboxSender(client, shared, deliver=False) as sender:
                in_tasks(sender)
            arrived, deadline = 0, time.monotonic() + 300
            while arrived < count:
                if time.monotonic() > deadline:
                    raise SystemExit("the deliverer did not finish")
                time.sleep(0.002)
                arrived += received()
            return count

        def outbox_end_to_end_tasks() -> int:
            with OutboxSender(client, fresh_path()) as sender:
                in_tasks(sender)
                if not sender.flush(timeout=300):
                    raise SystemExit("the outbox did not finish")
            return count

        prefilled = fresh_path()
        backlog: int = options.backlog or count
        leftovers = itertools.islice(itertools.cycle(events), backlog)
        with OutboxSender(client, prefilled, deliver=False) as producer:
            while part := list(itertools.islice(leftovers, CHUNK)):
                producer.enqueue_many(part)

        def outbox_drain() -> int:
            with OutboxSender(client, prefilled) as sender:
                if not sender.flush(timeout=300) or sender.stats.queued:
                    raise SystemExit("the outbox did not drain")
            return backlog

        memory = row("BackgroundSender (in memory): enqueue, flush", memory_end_to_end, True)
        single = row("outbox enqueue(), 1 thread", outbox_single, False)
        grouped = row(f"outbox enqueue(), {options.threads} threads (group commit)", outbox_threads, False)
        tasks = row(f"outbox enqueue_async(), {options.tasks} tasks on one loop", outbox_tasks, False)
        many = row(f"outbox enqueue_many(), chunks of {CHUNK}", outbox_many, False)
        end_to_end = row(f"outbox end to end: {options.threads} threads, flush", outbox_end_to_end, True)
        end_to_end_tasks = row(f"outbox end to end: {options.tasks} tasks, flush", outbox_end_to_end_tasks, True)
        label = f"outbox end to end: {options.tasks} tasks, another process sends"
        deliverer = start_deliverer()
        try:
            end_to_end_elsewhere = row(label, outbox_end_to_end_tasks_elsewhere, False)
        finally:
            deliverer.terminate()
            deliverer.wait()
        end_to_end_many = row(f"outbox end to end: enqueue_many() of {CHUNK}, flush", outbox_end_to_end_many, True)
        drain = row(f"outbox drain: a previous process's {backlog:,} leftovers", outbox_drain, True)
        client.close()
    finally:
        server.kill()
        server.wait()

    print(
        f"netmera-codegen outbox benchmark: {count:,} events per row; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; server: JSON sink in a child process on 127.0.0.1"
    )
    print()
    print(f"{'':56} {'events/s':>10} {'x memory':>9}")
    for label, rate in rows:
        print(f"{label:56} {rate:>10,.0f} {rate / memory:>9.2f}")
    print()
    print("targets")
    delivery = f"end to end >= {DELIVERY_GOAL}x in-memory"
    checks = [
        (f"enqueue >= {ENQUEUE_GOAL:,.0f}/s ({options.tasks} tasks, one thread)", tasks / ENQUEUE_GOAL),
        (f"enqueue >= {ENQUEUE_GOAL:,.0f}/s ({options.threads} threads)", grouped / ENQUEUE_GOAL),
        (f"{delivery} ({options.tasks} tasks)", end_to_end_tasks / memory / DELIVERY_GOAL),
        (f"{delivery} ({options.tasks} tasks, another sends)", end_to_end_elsewhere / memory / DELIVERY_GOAL),
        (f"{delivery} ({options.threads} threads)", end_to_end / memory / DELIVERY_GOAL),
        (f"{delivery} (enqueue_many of {CHUNK})", end_to_end_many / memory / DELIVERY_GOAL),
    ]
    for label, ratio in checks:
        print(f"  {label:58} {ratio:>6.2f}x goal  {'met' if ratio >= 1 else 'MISSED'}")
    print(f"  (1 thread: {single / grouped:.2f}x the grouped rate; enqueue_many: {many / ENQUEUE_GOAL:.2f}x goal;")
    print(f"   drain: {drain / memory:.2f}x the in-memory sender)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
